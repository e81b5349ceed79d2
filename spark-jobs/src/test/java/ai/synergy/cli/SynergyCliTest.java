package ai.synergy.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad flags end with exit code 2 and one clear line naming the flag, before any Spark context starts. */
class SynergyCliTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--model vgg16|--model: unknown model 'vgg16'",
            "--workers 0|--workers must be >= 1, got 0",
            "--batch-size -3|--batch-size must be >= 1, got -3",
            "--epochs 0|--epochs must be >= 1, got 0",
            "--averaging-frequency 0|--averaging-frequency must be >= 1, got 0",
            "--lr 0|--lr must be > 0, got 0.0",
            "--lr-schedule triangle|--lr-schedule: unknown schedule 'triangle'",
            "--data cifar10|--data: unknown data set 'cifar10'",
            "--workers two|Invalid value for option '--workers'",
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
    @CsvSource({"train", "evaluate"})
    void missingRequiredOptionIsNamed(String command) {
        StringWriter err = new StringWriter();
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), command);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString()).contains("Missing required option");
    }
}
