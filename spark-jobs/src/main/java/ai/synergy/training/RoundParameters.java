package ai.synergy.training;

import java.io.Serializable;
import java.util.Map;

/**
 * What the driver broadcasts every averaging round: where the averaged parameters and updater state are, each
 * layer's learning rate and DL4J's counters, and the key of the network configuration they belong to (the
 * configuration itself is broadcast only when that key changes).
 *
 * @param configurationKey SHA-256 of the configuration's JSON with learning rates and counters blanked
 * @param learningRates    layer name -> learning rate, for layers whose updater has one
 * @param arrays           the parameters and updater state: packed in the broadcast, or published in this JVM
 */
public record RoundParameters(String configurationKey, Map<String, Double> learningRates, int iterationCount,
                              int epochCount, RoundArrays arrays) implements Serializable {
}
