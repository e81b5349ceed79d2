package ai.synergy.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every numeric flag of {@code prepare} is checked before anything runs (before the input is even looked at): exit code
 * 2 and one line naming the flag.
 */
class PrepareCommandTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--shards -1|--shards must be in 1..99999 (shard file names have 5 digits), got -1",
            "--shards 0|--shards must be in 1..99999 (shard file names have 5 digits), got 0",
            "--shards 100000|--shards must be in 1..99999 (shard file names have 5 digits), got 100000",
            "--short-side -5|--short-side must be 0 (keep sizes) or >= 8, got -5",
            "--short-side 4|--short-side must be 0 (keep sizes) or >= 8, got 4",
            "--quality 0|--quality must be in (0, 1], got 0.0",
            "--quality NaN|--quality must be in (0, 1], got NaN",
            "--threads 0|--threads must be >= 1, got 0 (leave it out for all cores)",
            "--threads -2|--threads must be >= 1, got -2 (leave it out for all cores)",
    })
    void nonsenseNumbersAreRefusedNamingTheFlag(String flags, String message) {
        StringWriter err = new StringWriter();
        String[] args = ("prepare --input /no/such/ilsvrc --output /tmp/never-written-shards " + flags).split(" ");
        int code = SynergyCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err, true), args);
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString().lines().toList()).containsExactly("synergy: error: " + message);
        assertThat(new java.io.File("/tmp/never-written-shards")).doesNotExist();
    }
}
