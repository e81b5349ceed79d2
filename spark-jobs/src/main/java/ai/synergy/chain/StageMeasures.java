package ai.synergy.chain;

import ai.synergy.evaluation.RobustCounts;
import ai.synergy.io.HadoopFiles;
import ai.synergy.jobs.EvaluateJob;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.SparsityReport;
import ai.synergy.run.RunFolder;
import ai.synergy.training.PruningStages;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.time.Instant;

/**
 * Driver side: measures a finished stage's model: natural, PGD and APGD-CE top-1 on the test split (attacks made on
 * the executors, seeded by the chain's seed), nonzero parameters, sparsity of the conv and dense weights, their sparse float32
 * size, and the size of its export.
 */
final class StageMeasures {
    private StageMeasures() {
    }

    static StageResult measure(JavaSparkContext jsc, HadoopFiles files, ChainConfig config, ChainStage stage,
                               Path stageDir) throws IOException {
        String model = new Path(stageDir, RunFolder.MODEL).toString();
        RobustCounts pgd = EvaluateJob.runUnderAttack(jsc, model, config.data(), config.workers(),
                config.evalBatchSize(), config.evalPgd(), config.seed());
        RobustCounts apgd = EvaluateJob.runUnderAttack(jsc, model, config.data(), config.workers(),
                config.evalBatchSize(), config.evalApgd(), config.seed());
        ComputationGraph graph = EvaluateJob.load(jsc, model);
        long nonzero = nonzero(graph.params());
        SparsityReport sparsity = PruningStages.report(graph, PrunableLayers.weights(graph).keySet());
        Path compact = new Path(stageDir, RunFolder.COMPACT_MODEL);
        Path export = files.fileSystem().exists(compact) ? compact : new Path(stageDir, RunFolder.MODEL);
        String finishedAt = RunFolder.readMarker(files, stageDir).map(RunFolder.Marker::finishedAt).orElse(null);
        return new StageResult(stage.name(), stage.label(), model, pgd.natural().examples(), pgd.natural().top1(),
                pgd.adversarial().top1(), apgd.adversarial().top1(), nonzero, graph.params().length(),
                sparsity.sparsity(), sparsity.sparseExportBytes(), files.fileSystem().getFileStatus(export).getLen(), export.getName(),
                finishedAt, Instant.now().toString());
    }

    /** Entries of {@code values} that are not 0. */
    static long nonzero(INDArray values) {
        return values.neq(0).castTo(DataType.INT64).sumNumber().longValue();
    }
}
