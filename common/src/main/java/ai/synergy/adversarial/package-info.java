/**
 * Adversarial examples for training and evaluation on inputs in [0, 1], in the L-infinity ball: PGD and FGSM on the
 * training loss ({@link ai.synergy.adversarial.Pgd}), APGD on the cross-entropy or the (targeted) DLR loss of the
 * logits ({@link ai.synergy.adversarial.Apgd}), and APGD-CE followed by APGD-DLR
 * ({@link ai.synergy.adversarial.AutoAttackLite}); the input gradients of graphs that DL4J does not offer.
 */
package ai.synergy.adversarial;
