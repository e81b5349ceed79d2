package ai.synergy.training;

import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Executor side of {@link RoundExchange#DIRECT}: a task's two requests to the driver's {@link RoundServer}, one
 * connection each, in the format of {@link RoundWire}. Connecting is bounded by {@value #CONNECT_TIMEOUT_MILLIS} ms
 * and every read by {@value #READ_TIMEOUT_MILLIS} ms; a failure fails the task (Spark retries it) with the driver's
 * address and the exchange's configuration key in the message.
 */
final class RoundClient {
    static final int CONNECT_TIMEOUT_MILLIS = 30_000;
    static final int READ_TIMEOUT_MILLIS = 300_000;

    private RoundClient() {
    }

    /** Copies the driver's parameters, and its updater state when {@code updaterState} is not null, into these. */
    static void fetch(RoundArrays.Direct server, INDArray parameters, INDArray updaterState) {
        request(server, RoundWire.GET, "fetch the round's parameters", (in, out) -> {
            boolean hasState = RoundWire.checkSizes(in, parameters, updaterState, true, "the driver at "
                    + address(server));
            RoundWire.readValues(in, parameters, updaterState, hasState);
        });
    }

    /** Sends a partition's result to the driver and returns once the driver holds it. */
    static void send(RoundArrays.Direct server, int partition, ParameterAveragingTrainingResult result) {
        request(server, RoundWire.PUT, "send partition " + partition + "'s result", (in, out) -> {
            out.writeInt(partition);
            out.writeDouble(result.getScore());
            RoundWire.writeStats(out, result.getSparkTrainingStats());
            RoundWire.writeSizes(out, result.getParameters(), result.getUpdaterState());
            out.flush();
            expectOk(in, server);
            RoundWire.writeValues(out, result.getParameters(), result.getUpdaterState());
            out.flush();
            expectOk(in, server);
        });
    }

    /** Task side of a round's job: sends the partition's worker result to the driver. */
    static final class Deposit extends RoundDeposit {
        private final RoundArrays.Direct server;

        Deposit(RoundArrays.Direct server) {
            this.server = server;
        }

        @Override
        void deposit(int partition, ParameterAveragingTrainingResult result) {
            send(server, partition, result);
        }
    }

    private interface Exchange {
        void run(DataInputStream in, DataOutputStream out) throws IOException;
    }

    private static void request(RoundArrays.Direct server, byte op, String what, Exchange exchange) {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(server.host(), server.port()), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            out.writeInt(RoundWire.MAGIC);
            out.write(server.secret());
            out.writeByte(op);
            out.flush();
            expectOk(in, server);
            exchange.run(in, out);
        } catch (IOException e) {
            throw new UncheckedIOException("could not " + what + " at the driver's round server "
                    + address(server) + " (" + RoundExchange.KEY + "=direct; " + RoundServer.PORT_KEY
                    + " sets its port, " + RoundExchange.KEY + "=spark avoids it): " + e.getMessage(), e);
        }
    }

    private static void expectOk(DataInputStream in, RoundArrays.Direct server) throws IOException {
        byte status = in.readByte();
        if (status == RoundWire.REFUSED) {
            throw new IOException("refused: " + in.readUTF());
        }
        if (status != RoundWire.OK) {
            throw new IOException("unexpected answer " + status + " from " + address(server));
        }
    }

    private static String address(RoundArrays.Direct server) {
        return server.host() + ":" + server.port();
    }
}
