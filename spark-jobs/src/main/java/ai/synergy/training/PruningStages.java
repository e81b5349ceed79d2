package ai.synergy.training;

import ai.synergy.checkpoint.StateFile;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.InvalidSettingException;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.AdmmState;
import ai.synergy.pruning.LayerKind;
import ai.synergy.pruning.LayerPruning;
import ai.synergy.pruning.Masks;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.pruning.SparsityReport;
import ai.synergy.pruning.WeightConstraint;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Driver side of pruning (docs/methods.md section 2): owns the ADMM state (Z, U, rho per layer) and the hard-pruning
 * masks, moves the run through its stages and hands the executors the constraint of the current stage through a
 * {@link WeightConstraintHook} on the training master.
 *
 * <ul>
 *   <li>ADMM stage start: Z = Proj_S(W), U = 0, rho = rho0 from the current averaged weights;</li>
 *   <li>after every {@code admmInterval}-th ADMM epoch: rho, Z and U updated from the averaged weights and
 *       broadcast again;</li>
 *   <li>retrain stage start: hard pruning W = Proj_S(W) of the averaged weights, masks = nonzero pattern;</li>
 *   <li>after every averaging round of the retrain stage: masks re-imposed on the averaged weights.</li>
 * </ul>
 */
public final class PruningStages {
    private final TrainConfig config;
    private final ConstraintBroadcast constraint;
    private AdmmState admm;
    private Masks masks;

    /**
     * What a checkpoint keeps of the pruning stages, as a {@link StateFile} beside the model: the ADMM variables
     * (null before the ADMM stage or when it is skipped) and the masks (null before hard pruning).
     *
     * @param admm  Z, U and rho of every pruned layer, or null
     * @param masks the hard-pruning masks, or null
     */
    public record Saved(AdmmState admm, Masks masks) {
        /** What the file says it holds. */
        static final String KIND = "pruning-stages";
        private static final String Z = "admm.z/";
        private static final String U = "admm.u/";
        private static final String MASK = "masks/";

        /** The state file: the plan and rho as JSON, Z, U and the masks as arrays named "admm.z/LAYER" etc. */
        public byte[] toBytes() {
            Map<String, INDArray> arrays = new TreeMap<>();
            AdmmDocument admmDocument = null;
            if (admm != null) {
                Map<String, AdmmLayer> layers = new TreeMap<>();
                admm.variables().forEach((layer, v) -> {
                    layers.put(layer, new AdmmLayer(v.pruning().scheme(), v.pruning().ratio(), v.pruning().kind(),
                            v.rho()));
                    arrays.put(Z + layer, v.z());
                    arrays.put(U + layer, v.u());
                });
                admmDocument = new AdmmDocument(admm.rhoGrowth(), layers);
            }
            List<String> masked = null;
            if (masks != null) {
                masked = List.copyOf(masks.layers());
                for (String layer : masked) {
                    arrays.put(MASK + layer, masks.mask(layer));
                }
            }
            return StateFile.write(KIND, new Document(admmDocument, masked), arrays);
        }

        /**
         * The state {@link #toBytes} wrote.
         *
         * @param source names the file in errors
         * @throws ai.synergy.config.InvalidInputException "--resume: SOURCE is unreadable (why)" when the bytes are
         *                                                 not such a file or hold an inconsistent state
         */
        public static Saved fromBytes(byte[] bytes, String source) {
            StateFile.Contents<Document> in = StateFile.read(bytes, KIND, Document.class, source);
            Document document = in.document();
            try {
                AdmmState admm = null;
                if (document.admm() != null) {
                    Map<String, AdmmState.LayerVariables> variables = new TreeMap<>();
                    for (Map.Entry<String, AdmmLayer> e : document.admm().layers().entrySet()) {
                        AdmmLayer l = e.getValue();
                        variables.put(e.getKey(), new AdmmState.LayerVariables(
                                new LayerPruning(l.scheme(), l.ratio(), l.kind()), in.array(Z + e.getKey()),
                                in.array(U + e.getKey()), l.rho()));
                    }
                    admm = AdmmState.restore(document.admm().rhoGrowth(), variables);
                }
                Masks masks = null;
                if (document.masks() != null) {
                    Map<String, INDArray> arrays = new TreeMap<>();
                    for (String layer : document.masks()) {
                        INDArray mask = in.array(MASK + layer);
                        if (!mask.dataType().isFPType()) {
                            throw new IllegalArgumentException("mask of layer " + layer + " is " + mask.dataType()
                                    + ", not floating point");
                        }
                        arrays.put(layer, mask);
                    }
                    masks = Masks.of(arrays);
                }
                in.requireAllTaken();
                return new Saved(admm, masks);
            } catch (IllegalArgumentException | InvalidSettingException e) {
                throw in.unreadable(e.getMessage(), e);
            }
        }

        /** The JSON document of the file; {@code masks} lists the masked layers. */
        private record Document(AdmmDocument admm, List<String> masks) {
            Document {
                if (masks != null && (masks.stream().anyMatch(Objects::isNull)
                        || new HashSet<>(masks).size() != masks.size())) {
                    throw new IllegalArgumentException("masked layers must be distinct names");
                }
            }
        }

        /** ADMM's growth factor and every pruned layer's sparsity set and rho. */
        private record AdmmDocument(double rhoGrowth, Map<String, AdmmLayer> layers) {
            AdmmDocument {
                if (layers == null || layers.values().stream().anyMatch(Objects::isNull)) {
                    throw new IllegalArgumentException("ADMM layers must be set");
                }
            }
        }

        /** One ADMM layer: scheme, ratio and kind ({@link LayerPruning}) and rho. */
        private record AdmmLayer(PruningScheme scheme, double ratio, LayerKind kind, double rho) {
            AdmmLayer {
                if (scheme == null || kind == null) {
                    throw new IllegalArgumentException("an ADMM layer's scheme and kind must be set");
                }
            }
        }
    }

    public PruningStages(JavaSparkContext jsc, TrainConfig config, RoundTrainingMaster master) {
        this.config = config;
        this.constraint = new ConstraintBroadcast(jsc, master);
    }

    /** Restores the state a checkpoint saved (resume). */
    public void restore(Saved saved) {
        this.admm = saved.admm();
        this.masks = saved.masks();
    }

    /** The state to checkpoint. */
    public Saved saved() {
        return new Saved(admm, masks);
    }

    /** The masks after hard pruning; null before. */
    public Masks masks() {
        return masks;
    }

    /**
     * Prepares 0-based {@code epoch}: creates the ADMM state or hard-prunes {@code graph} when a stage starts, and
     * installs the stage's constraint on the executors.
     */
    public void beginEpoch(int epoch, ComputationGraph graph, PrintStream console) {
        TrainingStage stage = config.stageOf(epoch);
        if (stage == TrainingStage.DENSE) {
            return;
        }
        Map<String, INDArray> weights = PrunableLayers.weights(graph);
        if (stage == TrainingStage.ADMM && admm == null) {
            Map<String, LayerPruning> plan = plan(weights);
            admm = AdmmState.init(weights, plan, config.pruning().admm());
            console.printf("ADMM: %d layers, %s pruning, rho %.2g growing x%.2f every %d epochs%n", plan.size(),
                    config.pruning().scheme().name().toLowerCase(Locale.ROOT),
                    config.pruning().admm().initialRho(), config.pruning().admm().rhoGrowth(),
                    config.pruning().admmInterval());
        }
        if (stage == TrainingStage.RETRAIN && masks == null) {
            masks = admm != null ? admm.hardPrune(weights) : Masks.hardPrune(weights, plan(weights));
            SparsityReport report = report(graph);
            console.printf("hard pruning: %d of %d weights kept in %d layers (sparsity %.4f)%n",
                    report.prunableKept(), report.prunableTotal(), report.layers().size(), report.sparsity());
        }
        WeightConstraint wanted = stage == TrainingStage.RETRAIN ? masks : admm;
        if (wanted != constraint.installed()) {
            constraint.install(wanted);
        }
    }

    /** After every averaging round: re-imposes the masks on the averaged weights (retrain stage). */
    public void afterRound(int epoch, ComputationGraph graph) {
        if (config.stageOf(epoch) == TrainingStage.RETRAIN) {
            masks.adjustWeights(PrunableLayers.weights(graph));
        }
    }

    /** After 0-based {@code epoch}: the ADMM update every {@code admmInterval} ADMM epochs. */
    public void endEpoch(int epoch, ComputationGraph graph) {
        if (config.stageOf(epoch) != TrainingStage.ADMM) {
            return;
        }
        int inStage = epoch - config.stageStart(TrainingStage.ADMM) + 1;
        if (inStage % config.pruning().admmInterval() == 0) {
            admm.update(PrunableLayers.weights(graph));
            constraint.install(admm);
        }
    }

    /** The pruning columns of an epoch's metrics; null when the run does not prune. */
    public EpochMetrics.Pruning metrics(int epoch, ComputationGraph graph) {
        if (!config.pruning().enabled()) {
            return null;
        }
        Map<String, INDArray> weights = PrunableLayers.weights(graph);
        long zeros = 0;
        long total = 0;
        for (INDArray w : weights.values()) {
            zeros += w.length() - w.neq(0).castTo(DataType.INT64).sumNumber().longValue();
            total += w.length();
        }
        Double residual = null;
        if (admm != null && config.stageOf(epoch) == TrainingStage.ADMM) {
            double squared = 0;
            double norm = 0;
            for (Map.Entry<String, Double> e : admm.primalResiduals(weights).entrySet()) {
                squared += e.getValue() * e.getValue();
                double n = weights.get(e.getKey()).norm2Number().doubleValue();
                norm += n * n;
            }
            residual = Math.sqrt(squared / Math.max(norm, Double.MIN_NORMAL));
        }
        return new EpochMetrics.Pruning(config.stageOf(epoch).label(), (double) zeros / total, residual);
    }

    /**
     * Sparsity of {@code graph}'s prunable weights as they are: exact zeros per pruned layer (every prunable layer
     * before any plan exists), and the size of a sparse export.
     */
    public static SparsityReport report(ComputationGraph graph, Iterable<String> layers) {
        Map<String, INDArray> weights = PrunableLayers.weights(graph);
        List<SparsityReport.LayerSparsity> rows = new ArrayList<>();
        long inRows = 0;
        for (String layer : layers) {
            INDArray w = weights.get(layer);
            long kept = w.neq(0).castTo(DataType.INT64).sumNumber().longValue();
            rows.add(new SparsityReport.LayerSparsity(layer, w.length(), kept));
            inRows += w.length();
        }
        return new SparsityReport(rows, graph.numParams() - inRows);
    }

    /**
     * Checks the pruning settings against the network before the first epoch: every layer the ratios name exists and
     * is prunable, and something is pruned at all.
     *
     * @throws InvalidInputException naming {@code --prune-ratios}/{@code --ratio} otherwise
     */
    public void validate(ComputationGraph graph) {
        Map<String, LayerPruning> plan = plan(PrunableLayers.weights(graph));
        if (plan.values().stream().allMatch(layer -> layer.ratio() == 0)) {
            throw new InvalidInputException("--prune-ratios/--ratio: every layer's ratio is 0, so nothing would be "
                    + "pruned; give a ratio above 0 (e.g. '* 0.9' for every prunable layer)");
        }
    }

    /** {@link #report(ComputationGraph, Iterable)} over the layers this run prunes. */
    public SparsityReport report(ComputationGraph graph) {
        return report(graph, plan(PrunableLayers.weights(graph)).keySet());
    }

    /**
     * The layers pruned and how. Filter pruning leaves the output layer dense unless the ratios name it: its
     * "filters" are the classes, and removing them removes classes.
     */
    private Map<String, LayerPruning> plan(Map<String, INDArray> weights) {
        PruningRatios ratios = config.pruning().ratios();
        if (config.pruning().scheme() == PruningScheme.FILTER && !ratios.perLayer().containsKey(ResNets.OUTPUT)
                && weights.containsKey(ResNets.OUTPUT)) {
            Map<String, Double> perLayer = new TreeMap<>(ratios.perLayer());
            perLayer.put(ResNets.OUTPUT, 0.0);
            ratios = new PruningRatios(perLayer, ratios.defaultRatio());
        }
        return LayerPruning.plan(weights, config.pruning().scheme(), ratios);
    }

    /** Removes the hook and frees its broadcast (end of the run). */
    public void close() {
        constraint.close();
    }
}
