package ai.synergy.prediction;

import ai.synergy.config.Credentials;
import ai.synergy.dataset.DataSpec;
import ai.synergy.evaluation.ModelSnapshot;
import ai.synergy.jobs.SavedModel;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Driver side: a DL4J model to score with (a model.zip, a run or checkpoint folder, a model-compact.zip); its input
 * size, crop and class names come from its provenance ({@code model.json} or {@code state.json}) when it has one.
 */
final class Dl4jScoringModel extends ScoringModel {
    private final SavedModel saved;
    private final int classes;

    Dl4jScoringModel(String uri, SavedModel saved) {
        super(uri);
        this.saved = saved;
        this.classes = saved.classes(uri);
    }

    @Override
    public String source() {
        return saved.source();
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int trainedImageSize() {
        return saved.provenanceData() != null ? saved.provenanceData().height() : 0;
    }

    @Override
    public double trainedEvalCrop() {
        DataSpec data = saved.provenanceData();
        return data != null && data.format() == DataSpec.Format.SHARDS ? data.evalCropFraction() : 0;
    }

    @Override
    int inputChannels() {
        DataSpec trained = saved.provenanceData();
        return trained != null ? trained.channels() : saved.graphInputChannels();
    }

    @Override
    String modelInput() {
        DataSpec trained = saved.provenanceData();
        if (trained == null) {
            return inputChannels() + "-channel images (its first layer)";
        }
        return trained.channels() + "x" + trained.height() + "x" + trained.width() + " images ("
                + saved.provenance().getName() + ": data " + Credentials.redact(trained.name()) + ")";
    }

    @Override
    SavedModel.ClassNames ownClassNames(Configuration hadoopConf) throws IOException {
        DataSpec trained = saved.provenanceData();
        if (trained == null) {
            return null;
        }
        return SavedModel.classNames(trained, saved.provenance().getName() + " (data "
                + Credentials.redact(trained.name()) + ")", hadoopConf);
    }

    @Override
    Classifier openHere() {
        return new Dl4jClassifier(saved.graph(), classes);
    }

    @Override
    public SavedFile savedFile() throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(saved.graph(), zip, false);
        return new SavedFile("model.zip", zip.toByteArray());
    }

    @Override
    public ScoringNetwork network() {
        return new ScoringNetwork.Dl4j(ModelSnapshot.of(saved.graph()), classes);
    }
}
