package ai.synergy.cli;

import ai.synergy.training.AdversarialTraining;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Command-line options of adversarial training, shared by {@code train} and {@code quantize}'s retraining rounds. */
final class AdversarialTrainingOptions {
    @Option(names = "--adversarial", defaultValue = "none",
            description = "none, pgd or fgsm: train on adversarial examples made on the executors against the "
                    + "worker's current model before every update (default: ${DEFAULT-VALUE}).")
    String adversarial;

    @Mixin
    AdversarialExampleOptions examples;

    /** The setting these options make: none, or the attack with its share of every minibatch. */
    AdversarialTraining settings() {
        return examples.settings(adversarial);
    }
}
