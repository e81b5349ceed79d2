package ai.synergy.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad flags end with exit code 2 and one clear line naming the flag or file, and write nothing; malformed flags fail
 * before any Spark context starts.
 */
class SynergyCliTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--model vgg16|--model: unknown model 'vgg16'",
            "--workers 0|--workers must be >= 1, got 0",
            "--batch-size -3|--batch-size must be >= 1, got -3",
            "--epochs 0|--epochs must be >= 1, got 0",
            "--averaging-frequency 0|--averaging-frequency must be >= 1, got 0",
            "--lr 0|--lr must be a finite number > 0, got 0.0",
            "--lr Infinity|--lr must be a finite number > 0, got Infinity",
            "--weight-decay Infinity|--weight-decay must be a finite number >= 0, got Infinity",
            "--workers 1000|--workers 1000: local mode runs every worker as a thread of this JVM",
            "--eval-batch-size 0|--eval-batch-size must be >= 1, got 0",
            "--lr-schedule triangle|--lr-schedule: unknown schedule 'triangle'",
            "--data cifar10|--data: unknown data set 'cifar10'",
            "--workers two|Invalid value for option '--workers'",
            "--data imagenet:/no/such/shards|--data: /no/such/shards/manifest.json does not exist",
            "--supervision dk|--supervision: unknown mode 'dk'",
            "--adversarial pgd --eps -0.1|--eps must be in [0, 1], got -0.1",
            "--adversarial pgd --adversarial-ratio 2|--adversarial-ratio must be in [0, 1], got 2.0",
            "--adversarial mim|--adversarial: unknown attack 'mim'",
            "--adversarial apgd-ce|--adversarial: unknown attack 'apgd-ce'; accepted: none, pgd, fgsm",
            "--supervision dks --synergy-temperature 0|--synergy-temperature must be a finite number > 0, got 0.0",
            "--supervision dks --aux-stages 3|--aux-stages must be in 1..2 for resnet8 (a head attaches after a stage before the last), got 3",
            "--supervision ds --aux-stages 2,1|--aux-stages must increase, got [2, 1]",
            "--data imagenet:/tmp --augment mixup|--augment: unknown augmentation 'mixup'",
            "--data imagenet:/tmp --eval-crop 1.5|--eval-crop must be in (0, 1], got 1.5",
            "--prune admm|--prune admm needs exactly one of --ratio and --prune-ratios",
            "--prune admm --ratio 1.2|--ratio must be in (0, 1), got 1.2",
            "--prune admm --prune-ratios /no/such/ratios.txt|--prune-ratios: '/no/such/ratios.txt' is neither a ratio",
            "--prune admm --ratio 0.9 --prune-scheme block|--prune-scheme: unknown scheme 'block'",
            "--prune admm --ratio 0.9 --retrain-epochs 0|--retrain-epochs must be >= 1 when pruning",
            "--prune admm --ratio 0.9 --admm-interval 0|--admm-interval must be >= 1, got 0",
            "--prune admm --ratio 0.9 --admm-rho 0|--admm-rho must be a finite number > 0, got 0.0",
            "--prune lottery|--prune: unknown method 'lottery'",
            "--ratio 0.9|--ratio/--prune-ratios need --prune admm",
            "--stop-after-epoch -1|--stop-after-epoch must be >= 0, got -1",
    })
    void badTrainFlags(String flags, String message) {
        StringWriter err = new StringWriter();
        String[] args = ("train --out /tmp/never-written " + flags).split(" ");
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), args);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString().lines().findFirst().orElse("")).startsWith("synergy: error: ").contains(message);
        assertThat(new java.io.File("/tmp/never-written")).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--input /no/such/ilsvrc|--input: file:/no/such/ilsvrc does not exist",
            "--input /tmp --quality 2|--quality must be in (0, 1], got 2.0",
            "--input /tmp --splits train,test|--splits must be train, val or train,val",
    })
    void badPrepareFlags(String flags, String message) {
        StringWriter err = new StringWriter();
        String[] args = ("prepare --output /tmp/never-written-shards --threads 1 " + flags).split(" ");
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), args);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString().lines().findFirst().orElse("")).startsWith("synergy: error: ").contains(message);
        assertThat(new java.io.File("/tmp/never-written-shards")).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--attack cw|--attack: unknown attack 'cw'",
            "--attack pgd --eps 2|--eps must be in [0, 1], got 2.0",
            "--attack pgd --steps 0|--steps must be >= 1, got 0",
            "--attack apgd-x|--attack: unknown attack 'apgd-x'; accepted: none, pgd, fgsm, apgd-ce, apgd-dlr",
            "--attack apgd-ce --budget 0|--budget must be >= 1, got 0",
            "--attack autoattack-lite --restarts 0|--restarts must be >= 1, got 0",
            "--attack apgd-dlr --eps 1.5|--eps must be in [0, 1], got 1.5",
    })
    void badEvaluateFlags(String flags, String message) {
        StringWriter err = new StringWriter();
        String[] args = ("evaluate --model /tmp/never-read.zip " + flags).split(" ");
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), args);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString().lines().findFirst().orElse("")).startsWith("synergy: error: ").contains(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--model /tmp/never-read.zip --method xq|--method: unknown method 'xq'",
            "--model /tmp/never-read.zip --partition lottery|--partition: unknown partition 'lottery'",
            "--model /tmp/never-read.zip --bits 9|--bits",
            "--model /tmp/never-read.zip --portions .5,.4,1|--portions must be strictly increasing, got 0.4 after 0.5",
            "--model /tmp/never-read.zip --lr 0|--lr must be a finite number > 0, got 0.0",
            "--model /tmp/never-read.zip --lr NaN|--lr must be a finite number > 0, got NaN",
            "--model /tmp/never-read.zip --workers 0|--workers must be >= 1, got 0",
            "--model /tmp/never-read.zip --workers 1000|local mode runs every worker as a thread",
            "--model /tmp/never-read.zip --method slq --partition random|--partition random applies to method inq only",
            "--model /no/such/model.zip|/no/such/model.zip does not exist",
            "--model /tmp/never-read.zip --adversarial pgd --adversarial-ratio 2|--adversarial-ratio must be in [0, 1], got 2.0",
            "--model /tmp/never-read.zip --adversarial pgd --eps -0.1|--eps must be in [0, 1], got -0.1",
            "--model /tmp/never-read.zip --adversarial pgd --steps 0|--steps must be >= 1, got 0",
            "--model /tmp/never-read.zip --adversarial mim|--adversarial: unknown attack 'mim'; accepted: none, pgd, fgsm",
            "--model /tmp/never-read.zip --stop-after-round -1|--stop-after-round must be >= 0, got -1",
    })
    void badQuantizeFlags(String flags, String message) {
        StringWriter err = new StringWriter();
        String[] args = ("quantize --out /tmp/never-written-quantized " + flags).split(" ");
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), args);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString().lines().findFirst().orElse("")).startsWith("synergy: error: ").contains(message);
        assertThat(new java.io.File("/tmp/never-written-quantized")).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--ratio 1.5|--ratio must be in (0, 1), got 1.5",
            "--bits 5,9|--bits must be in [2, 8], got 9",
            "--bits 4,4|--bits must not repeat a bit-width, got [4, 4]",
            "--dks-epochs 0|--dks-epochs must be >= 1, got 0",
            "--retrain-epochs 0|--retrain-epochs must be >= 1, got 0",
            "--epochs-per-round 0|--epochs-per-round must be >= 1, got 0",
            "--eval-pgd-steps 0|--eval-pgd-steps must be >= 1, got 0",
            "--apgd-budget 0|--apgd-budget must be >= 1, got 0",
            "--eval-step 0|--eval-step must be a finite number > 0, got 0.0",
            "--prune-lr 0|--prune-lr must be a finite number > 0, got 0.0",
            "--quantize-lr -1|--quantize-lr must be a finite number > 0, got -1.0",
            "--eps 2|--eps must be in [0, 1], got 2.0",
            "--adversarial-ratio 1.5|--adversarial-ratio must be in [0, 1], got 1.5",
            "--model vgg16|--model: unknown model 'vgg16'",
            "--workers 0|--workers must be >= 1, got 0",
            "--stop-after-stage -1|--stop-after-stage must be >= 0, got -1",
            "--data cifar10|--data: unknown data set 'cifar10'",
    })
    void badRobustCompressFlags(String flags, String message) {
        StringWriter err = new StringWriter();
        String[] args = ("robust-compress --out /tmp/never-written-chain " + flags).split(" ");
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), args);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString().lines().findFirst().orElse("")).startsWith("synergy: error: ").contains(message);
        assertThat(new java.io.File("/tmp/never-written-chain")).doesNotExist();
    }

    @org.junit.jupiter.api.Test
    void reportOfSomethingThatIsNotARunIsRefusedWithoutWriting(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        StringWriter err = new StringWriter();
        String missing = dir.resolve("nope").toString();
        assertThat(SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "report",
                missing)).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString()).startsWith("synergy: error: report: " + missing + " does not exist");

        java.nio.file.Path empty = java.nio.file.Files.createDirectories(dir.resolve("empty"));
        err = new StringWriter();
        assertThat(SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "report",
                empty.toString())).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString()).contains("empty").contains("no metrics.jsonl, rounds.jsonl or manifest.json");
        assertThat(empty).isEmptyDirectory();

        java.nio.file.Path broken = java.nio.file.Files.createDirectories(dir.resolve("broken"));
        java.nio.file.Files.writeString(broken.resolve("metrics.jsonl"), "{\"epoch\": oops}\n");
        err = new StringWriter();
        assertThat(SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "report",
                broken.toString())).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString()).contains("metrics.jsonl");
        assertThat(broken.resolve("report.md")).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource({"train", "evaluate", "prepare", "convert", "quantize", "report", "robust-compress"})
    void missingRequiredOptionIsNamed(String command) {
        StringWriter err = new StringWriter();
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), command);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString()).containsAnyOf("Missing required option", "Missing required parameter");
    }

    @org.junit.jupiter.api.Test
    void aClusterModeDriverReturnsOnSuccessAndThrowsItsOneLineOnFailure() {
        // in YARN's application master a System.exit, even of 0, pre-empts the final status (recorded as FAILED)
        String before = System.getProperty("spark.submit.deployMode");
        System.setProperty("spark.submit.deployMode", "cluster");
        try {
            SynergyCli.main(new String[]{"--version"}); // returns instead of ending the JVM
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SynergyCli.main(new String[]{"train", "--out",
                            "/tmp/never-written", "--workers", "0"}))
                    .isInstanceOf(SynergyCli.CommandFailedException.class)
                    .hasMessage("synergy: error: --workers must be >= 1, got 0 (exit code 2)");
        } finally {
            if (before == null) {
                System.clearProperty("spark.submit.deployMode");
            } else {
                System.setProperty("spark.submit.deployMode", before);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void quantizeAdversarialOptionsReachTheConfiguration() {
        QuantizeCommand command = new QuantizeCommand();
        new picocli.CommandLine(command).parseArgs("--model", "/tmp/never-read.zip", "--out", "/tmp/never-written",
                "--adversarial", "pgd", "--eps", "0.2", "--step", "0.05", "--steps", "7", "--adversarial-ratio", "0.5");
        ai.synergy.training.QuantizeConfig config = command.settings().validate().build();
        assertThat(config.adversarial().enabled()).isTrue();
        assertThat(config.adversarial().ratio()).isEqualTo(0.5);
        assertThat(config.adversarial().attack()).isEqualTo(new ai.synergy.adversarial.Pgd(0.2, 0.05, 7, true));

        QuantizeCommand plain = new QuantizeCommand();
        new picocli.CommandLine(plain).parseArgs("--model", "/tmp/never-read.zip", "--out", "/tmp/never-written");
        assertThat(plain.settings().build().adversarial().enabled()).isFalse();
    }
}
