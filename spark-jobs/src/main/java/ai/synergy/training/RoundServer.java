package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import org.apache.spark.SparkConf;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Driver side of {@link RoundExchange#DIRECT}: a socket server open for one averaging round. Each of the round's tasks
 * connects twice: to fetch the driver's parameters and updater state (GET) and to deposit its result (PUT: parameters,
 * updater state, loss and training statistics), which the server reads into arrays of its own. Nothing of the round's
 * size goes through Spark's broadcast, serializers or block managers: each array is copied once into the socket on one
 * side and once out of it on the other (see {@link RoundWire}).
 *
 * <p>A request must carry the round's secret, 32 random bytes that reach the tasks only inside the round's broadcast
 * (over Spark's own, authenticated connections); anything else is refused and logged. The server binds to the driver's
 * bind address ({@code spark.driver.bindAddress}, else {@code spark.driver.host}) on {@value #PORT_KEY} (0, the
 * default: any free port), advertises {@code spark.driver.host}, serves at most {@value #MAX_CONNECTIONS} connections
 * at once and drops one that stalls for {@value #READ_TIMEOUT_MILLIS} ms. It lives from {@link #open} to
 * {@link #close}: its threads and sockets end with it.
 */
final class RoundServer implements OpenRound {
    /** The Spark configuration key of the port the driver listens on for round arrays. */
    static final String PORT_KEY = "spark.synergy.roundPort";
    static final int MAX_CONNECTIONS = 64;
    static final int READ_TIMEOUT_MILLIS = 300_000;
    private static final Logger LOG = LoggerFactory.getLogger(RoundServer.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerSocket listener;
    private final String advertisedHost;
    private final byte[] secret;
    private final INDArray parameters;
    private final INDArray updaterState;
    private final Map<Integer, ParameterAveragingTrainingResult> deposited = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor handlers;
    private final Thread acceptor;

    private RoundServer(ServerSocket listener, String advertisedHost, INDArray parameters, INDArray updaterState) {
        this.listener = listener;
        this.advertisedHost = advertisedHost;
        this.secret = new byte[RoundWire.SECRET_BYTES];
        RANDOM.nextBytes(secret);
        this.parameters = parameters;
        this.updaterState = updaterState;
        this.handlers = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> daemon(task, "synergy-round-connection"));
        this.acceptor = daemon(this::accept, "synergy-round-server");
        acceptor.start();
    }

    /**
     * Publishes the driver's {@code parameters} and {@code updaterState} (null: none) for one round, listening where
     * {@code conf} says (see the class comment). The arrays must not change until the round is closed.
     */
    static RoundServer open(SparkConf conf, INDArray parameters, INDArray updaterState) {
        String host = conf.get("spark.driver.host", "127.0.0.1");
        String bind = conf.get("spark.driver.bindAddress", host);
        int port = port(conf);
        ServerSocket listener = null;
        try {
            listener = new ServerSocket();
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(InetAddress.getByName(bind), port), MAX_CONNECTIONS);
            return new RoundServer(listener, host, parameters, updaterState);
        } catch (IOException e) {
            closeQuietly(listener);
            throw new UncheckedIOException("the driver cannot listen for averaging rounds on " + bind + ":" + port
                    + " (" + PORT_KEY + "; " + RoundExchange.KEY + "=spark sends the arrays through Spark instead): "
                    + e.getMessage(), e);
        }
    }

    /** The port {@value #PORT_KEY} asks for: 0 (any free port, the default) to 65535. */
    static int port(SparkConf conf) {
        String value = conf.get(PORT_KEY, "0").trim();
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new InvalidInputException(PORT_KEY + "=" + value + ": expected a port from 0 (any free port) to 65535");
    }

    @Override
    public RoundArrays.Direct arrays() {
        return new RoundArrays.Direct(advertisedHost, listener.getLocalPort(), secret.clone());
    }

    @Override
    public RoundDeposit deposit() {
        return new RoundClient.Deposit(arrays());
    }

    @Override
    public List<ParameterAveragingTrainingResult> results(List<Integer> partitions) {
        return OpenRound.inPartitionOrder(deposited, partitions);
    }

    @Override
    public void close() {
        closeQuietly(listener);
        connections.forEach(RoundServer::closeQuietly);
        handlers.shutdownNow();
        try {
            acceptor.join(10_000);
            handlers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deposited.clear();
    }

    /** Accepts connections until the listener is closed, each served on a thread of its own. */
    private void accept() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    LOG.warn("round server on port {} stopped accepting: {}", listener.getLocalPort(), e.toString());
                }
                return;
            }
            connections.add(socket);
            try {
                handlers.execute(() -> serve(socket));
            } catch (RejectedExecutionException e) {
                LOG.warn("round server: more than {} connections at once, dropped one from {}", MAX_CONNECTIONS,
                        socket.getRemoteSocketAddress());
                connections.remove(socket);
                closeQuietly(socket);
            }
        }
    }

    /** One request; a failed one is logged and, where the connection still takes it, answered with the reason. */
    private void serve(Socket socket) {
        try {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            try {
                handle(in, out, socket);
            } catch (IOException | RuntimeException e) {
                if (!listener.isClosed()) {
                    refuse(out, socket, String.valueOf(e.getMessage()));   // logs it too
                }
            }
            out.flush();
        } catch (IOException e) {
            LOG.debug("round server: connection from {}: {}", socket.getRemoteSocketAddress(), e.toString());
        } finally {
            connections.remove(socket);
            closeQuietly(socket);
        }
    }

    private void handle(DataInputStream in, DataOutputStream out, Socket socket) throws IOException {
        if (in.readInt() != RoundWire.MAGIC) {
            refuse(out, socket, "not a synergy round request");
            return;
        }
        byte[] given = new byte[RoundWire.SECRET_BYTES];
        in.readFully(given);
        if (!MessageDigest.isEqual(given, secret)) {
            refuse(out, socket, "wrong round secret (a task of another round, or not a task at all)");
            return;
        }
        byte op = in.readByte();
        if (op != RoundWire.GET && op != RoundWire.PUT) {
            refuse(out, socket, "unknown request " + op);
            return;
        }
        out.writeByte(RoundWire.OK);
        if (op == RoundWire.GET) {
            RoundWire.writeSizes(out, parameters, updaterState);
            RoundWire.writeValues(out, parameters, updaterState);
        } else {
            receive(in, out, socket);
        }
    }

    /** A task's result: read into new arrays, kept under its partition (a retried task's replaces the earlier). */
    private void receive(DataInputStream in, DataOutputStream out, Socket socket) throws IOException {
        out.flush();
        int partition = in.readInt();
        double score = in.readDouble();
        SparkTrainingStats stats = RoundWire.readStats(in);
        boolean hasState = RoundWire.checkSizes(in, parameters, updaterState, false, "partition " + partition
                + " at " + socket.getRemoteSocketAddress());
        out.writeByte(RoundWire.OK);
        out.flush();
        INDArray taskParameters = RoundWire.receiverFor(parameters);
        INDArray taskState = hasState ? RoundWire.receiverFor(updaterState) : null;
        RoundWire.readValues(in, taskParameters, taskState, hasState);
        deposited.put(partition, new ParameterAveragingTrainingResult(taskParameters, taskState, score, stats, null,
                null, null));
        out.writeByte(RoundWire.OK);
    }

    private static void refuse(DataOutputStream out, Socket socket, String why) throws IOException {
        LOG.warn("round server: refused a request from {}: {}", socket.getRemoteSocketAddress(), why);
        out.writeByte(RoundWire.REFUSED);
        out.writeUTF(why);
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing {}: {}", closeable, e.toString());
        }
    }
}
