package ai.synergy.training;

import ai.synergy.nd4j.PackedArray;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * Where a worker finds the round's averaged parameters and updater state: packed in the broadcast itself
 * ({@link RoundExchange#SPARK}), at the driver's round server ({@link RoundExchange#DIRECT}) or, in local mode, by
 * reference in this JVM ({@link RoundExchange#IN_JVM}).
 */
public sealed interface RoundArrays extends Serializable {

    /** Copies the parameters, and the updater state when there is one, into {@code network}. */
    void copyInto(ComputationGraph network);

    /**
     * The arrays as packed byte blocks, carried by the broadcast.
     *
     * @param parameters   the network's flattened parameters
     * @param updaterState likewise the updater state; null when the updater is stateless or not averaged
     */
    record Packed(PackedArray parameters, PackedArray updaterState) implements RoundArrays {
        /** Packs {@code parameters} and {@code updaterState} (which may be null). */
        public static Packed of(INDArray parameters, INDArray updaterState) {
            return new Packed(PackedArray.of(parameters), updaterState == null ? null : PackedArray.of(updaterState));
        }

        @Override
        public void copyInto(ComputationGraph network) {
            parameters.copyInto(network.params());
            if (updaterState != null) {
                updaterState.copyInto(network.getUpdater().getStateViewArray());
            }
        }
    }

    /**
     * The driver's own arrays, published under {@code round} in {@link InJvmRounds} for the round's task threads.
     *
     * @param round the round's token
     */
    record InJvm(long round) implements RoundArrays {
        @Override
        public void copyInto(ComputationGraph network) {
            InJvmRounds.Published published = InJvmRounds.published(round);
            network.params().assign(published.parameters());
            if (published.updaterState() != null) {
                network.getUpdater().getStateViewArray().assign(published.updaterState());
            }
        }
    }

    /**
     * The driver's {@link RoundServer} for this round, which the worker asks for the arrays.
     *
     * @param host   the driver's host ({@code spark.driver.host})
     * @param port   the server's port
     * @param secret the round's secret, which every request must carry
     */
    record Direct(String host, int port, byte[] secret) implements RoundArrays {
        @Override
        public void copyInto(ComputationGraph network) {
            RoundClient.fetch(this, network.params(),
                    network.getUpdater() == null ? null : network.getUpdater().getStateViewArray());
        }

        @Override
        public String toString() {
            return "Direct[" + host + ":" + port + "]";
        }
    }
}
