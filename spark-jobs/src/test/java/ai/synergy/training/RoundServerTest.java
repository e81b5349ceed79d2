package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import ai.synergy.testing.ArrayBits;
import org.apache.spark.SparkConf;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.UncheckedIOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The driver's round server and a task's client over real loopback sockets: the arrays arrive bit for bit in both
 * directions, results come back in partition order, and a request without the round's secret, a result of the wrong
 * size, a server that is gone and a bad port are refused with messages that say what and where.
 */
class RoundServerTest {
    private static final SparkConf CONF = new SparkConf().set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1");
    private final INDArray parameters = Nd4j.rand(DataType.FLOAT, 1, 300_000).subi(0.5);
    private final INDArray momentum = Nd4j.rand(DataType.FLOAT, 1, 600_000).subi(0.5);
    private RoundServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aTaskFetchesTheDriversArraysBitForBit() {
        server = RoundServer.open(CONF, parameters, momentum);
        INDArray taskParameters = Nd4j.zeros(DataType.FLOAT, 1, 300_000);
        INDArray taskMomentum = Nd4j.zeros(DataType.FLOAT, 1, 600_000);
        RoundClient.fetch(server.arrays(), taskParameters, taskMomentum);
        ArrayBits.assertSameBits(taskParameters, parameters, "parameters");
        ArrayBits.assertSameBits(taskMomentum, momentum, "momentum");
    }

    @Test
    void depositedResultsComeBackBitForBitInPartitionOrder() {
        server = RoundServer.open(CONF, parameters, momentum);
        INDArray[] sent = new INDArray[4];
        for (int p : new int[] {1, 0}) {
            sent[2 * p] = Nd4j.rand(DataType.FLOAT, 1, 300_000);
            sent[2 * p + 1] = Nd4j.rand(DataType.FLOAT, 1, 600_000);
            RoundClient.send(server.arrays(), p, new ParameterAveragingTrainingResult(sent[2 * p], sent[2 * p + 1],
                    0.25 + p, null, null, null));
        }
        List<ParameterAveragingTrainingResult> results = server.results(List.of(1, 0));
        assertThat(results).extracting(ParameterAveragingTrainingResult::getScore).containsExactly(0.25, 1.25);
        for (int p = 0; p < 2; p++) {
            ArrayBits.assertSameBits(results.get(p).getParameters(), sent[2 * p], "parameters of partition " + p);
            ArrayBits.assertSameBits(results.get(p).getUpdaterState(), sent[2 * p + 1], "momentum of partition " + p);
        }
        assertThatThrownBy(() -> server.results(List.of(0, 2)))
                .hasMessageContaining("partition 2").hasMessageContaining("deposited no result");
    }

    @Test
    void aRequestWithoutTheRoundsSecretIsRefused() {
        server = RoundServer.open(CONF, parameters, momentum);
        RoundArrays.Direct real = server.arrays();
        RoundArrays.Direct forged = new RoundArrays.Direct(real.host(), real.port(), new byte[RoundWire.SECRET_BYTES]);
        INDArray target = Nd4j.zeros(DataType.FLOAT, 1, 300_000);
        assertThatThrownBy(() -> RoundClient.fetch(forged, target, null))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("refused: wrong round secret")
                .hasMessageContaining("127.0.0.1:" + real.port())
                .hasMessageContaining(RoundExchange.KEY);
        assertThat(target.sumNumber().doubleValue()).as("nothing written into the task's array").isZero();
        assertThatThrownBy(() -> RoundClient.send(forged, 0, new ParameterAveragingTrainingResult(
                parameters, momentum, 0, null, null, null))).hasMessageContaining("refused: wrong round secret");
        assertThatThrownBy(() -> server.results(List.of(0))).hasMessageContaining("deposited no result");
    }

    @Test
    void aResultOfTheWrongSizeIsRefusedAndNotKept() {
        server = RoundServer.open(CONF, parameters, momentum);
        assertThatThrownBy(() -> RoundClient.send(server.arrays(), 0, new ParameterAveragingTrainingResult(
                Nd4j.rand(DataType.FLOAT, 1, 1000), momentum, 0, null, null, null)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("4000 bytes sent, 1200000 expected");
        assertThatThrownBy(() -> server.results(List.of(0))).hasMessageContaining("deposited no result");
    }

    @Test
    void aClosedServerIsGoneWithItsThreadsAndATaskSaysWhereItLooked() {
        server = RoundServer.open(CONF, parameters, null);
        RoundArrays.Direct arrays = server.arrays();
        RoundClient.fetch(arrays, Nd4j.zeros(DataType.FLOAT, 1, 300_000), null);
        server.close();
        server = null;
        assertThat(Thread.getAllStackTraces().keySet()).as("round server threads after close")
                .noneMatch(t -> t.getName().startsWith("synergy-round-") && t.isAlive());
        assertThatThrownBy(() -> RoundClient.fetch(arrays, Nd4j.zeros(DataType.FLOAT, 1, 300_000), null))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("could not fetch the round's parameters at the driver's round server 127.0.0.1:"
                        + arrays.port());
    }

    @Test
    void thePortMustBeOneTcpCanUse() {
        assertThat(RoundServer.port(new SparkConf())).isZero();
        assertThat(RoundServer.port(new SparkConf().set(RoundServer.PORT_KEY, " 40123 "))).isEqualTo(40123);
        for (String bad : List.of("70000", "-1", "any")) {
            assertThatThrownBy(() -> RoundServer.port(new SparkConf().set(RoundServer.PORT_KEY, bad)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage(RoundServer.PORT_KEY + "=" + bad + ": expected a port from 0 (any free port) to 65535");
        }
    }
}
