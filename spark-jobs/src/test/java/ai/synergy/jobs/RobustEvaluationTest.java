package ai.synergy.jobs;

import ai.synergy.run.RunFolder;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.adversarial.Pgd;
import ai.synergy.evaluation.RobustCounts;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.dataset.DataSpec;
import ai.synergy.training.TrainConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code evaluate --attack}: natural and adversarial accuracy of a trained model, attacks made on the executors. */
class RobustEvaluationTest extends LocalSparkTest {
    static DataSpec data;
    static String model;
    static String robustModel;

    @BeforeAll
    static void trainNaturallyAndAdversarially() throws Exception {
        // real Fashion-MNIST (installed by .ci/run): the synthetic fixture's classes are too far apart for eps 0.1
        data = DataSpec.fashionMnist(null, 3072, 256);
        model = train("natural", AdversarialTraining.none());
        robustModel = train("pgd", new AdversarialTraining(new Pgd(0.1, 0.025, 5, true), 1));
    }

    private static String train(String name, AdversarialTraining adversarial) throws Exception {
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").adversarial(adversarial)
                .learningRate(0.05).weightDecay(5e-4).schedule(LearningRateSchedule.Type.CONSTANT).epochs(3).workers(2)
                .batchSizePerWorker(32).averagingFrequency(3).evalBatchSize(128).seed(5).keepCheckpoints(1).build();
        String out = dir.resolve(name).toString();
        new TrainJob(jsc, config, new TrainJob.RunOptions(out, false, 0), new PrintStream(new ByteArrayOutputStream()))
                .run();
        return out + "/" + RunFolder.MODEL;
    }

    @Test
    void pgdAndFgsmLowerAccuracyAndNaturalAccuracyIsThePlainEvaluations() throws Exception {
        TopKCounts plain = EvaluateJob.run(jsc, model, data, 2, 64);
        assertThat(plain.top1()).isGreaterThan(0.6);

        RobustCounts pgd = EvaluateJob.runUnderAttack(jsc, model, data, 2, 64, new Pgd(0.1, 0.01, 10, true), 1);
        assertThat(pgd.natural()).isEqualTo(plain);
        assertThat(pgd.adversarial().examples()).isEqualTo(256);
        assertThat(pgd.adversarial().top1()).isLessThan(0.25).isLessThan(plain.top1() - 0.4);

        RobustCounts fgsm = EvaluateJob.runUnderAttack(jsc, model, data, 2, 64, Pgd.fgsm(0.1), 1);
        assertThat(fgsm.adversarial().top1()).isLessThan(plain.top1() - 0.4);

        // the same seed gives the same attack; an attack of radius 0 changes nothing
        Pgd short2 = new Pgd(0.1, 0.02, 2, true);
        assertThat(EvaluateJob.runUnderAttack(jsc, model, data, 2, 64, short2, 3))
                .isEqualTo(EvaluateJob.runUnderAttack(jsc, model, data, 2, 64, short2, 3));
        RobustCounts none = EvaluateJob.runUnderAttack(jsc, model, data, 2, 64, new Pgd(0, 0.01, 2, true), 1);
        assertThat(none.adversarial().top1Correct()).isEqualTo(plain.top1Correct());
    }

    @Test
    void adversarialTrainingOnTheExecutorsMakesTheModelFarMoreRobust() throws Exception {
        Pgd pgd10 = new Pgd(0.1, 0.01, 10, true);
        RobustCounts natural = EvaluateJob.runUnderAttack(jsc, model, data, 2, 64, pgd10, 2);
        RobustCounts robust = EvaluateJob.runUnderAttack(jsc, robustModel, data, 2, 64, pgd10, 2);
        double naturalDrop = natural.natural().top1() - natural.adversarial().top1();
        double robustDrop = robust.natural().top1() - robust.adversarial().top1();
        assertThat(robust.adversarial().top1()).isGreaterThan(natural.adversarial().top1() + 0.2);
        assertThat(robustDrop).isLessThan(naturalDrop - 0.2);
    }
}
