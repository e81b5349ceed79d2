/** Adversarial examples for training and evaluation: PGD-L-infinity and FGSM on inputs in [0, 1]. */
package ai.synergy.adversarial;
