package ai.synergy.training;

import ai.synergy.nd4j.PackedArray;

import java.io.Serializable;
import java.util.Map;

/**
 * What the driver broadcasts every averaging round: the averaged parameters and updater state, each layer's learning
 * rate and DL4J's counters, and the key of the network configuration they belong to (the configuration itself is
 * broadcast only when that key changes).
 *
 * @param configurationKey SHA-256 of the configuration's JSON with learning rates and counters blanked
 * @param learningRates    layer name -> learning rate, for layers whose updater has one
 * @param parameters       the network's flattened parameters, packed for a fast broadcast
 * @param updaterState     likewise the updater state; null when the updater is stateless or not averaged
 */
public record RoundParameters(String configurationKey, Map<String, Double> learningRates, int iterationCount,
                              int epochCount, PackedArray parameters, PackedArray updaterState) implements Serializable {
}
