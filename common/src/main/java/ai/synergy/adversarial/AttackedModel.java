package ai.synergy.adversarial;

/** The model under attack, in the forms the attacks differentiate it. */
public interface AttackedModel {

    /** The gradient of the model's training loss (PGD, FGSM). */
    LossGradient lossGradient();

    /** Logits and gradients of losses of the logits, as the model is evaluated (APGD). */
    LogitsGradient logitsGradient();
}
