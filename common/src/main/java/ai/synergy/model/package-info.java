/**
 * Network definitions: the CIFAR and ImageNet ResNet families as DL4J ComputationGraphs, optimiser and learning-rate schedule specs, parameter and FLOP counts.
 */
package ai.synergy.model;
