/**
 * Network definitions: the CIFAR and ImageNet ResNet families as DL4J ComputationGraphs (with optional auxiliary
 * classifier branches and the in-network input normalisation), optimiser and learning-rate schedule specs, parameter
 * and FLOP counts.
 */
package ai.synergy.model;
