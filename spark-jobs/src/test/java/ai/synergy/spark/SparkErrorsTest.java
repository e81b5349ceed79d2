package ai.synergy.spark;

import ai.synergy.config.InvalidInputException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An executor's bad-input failure comes back to the driver as its own message, on one line. */
class SparkErrorsTest {
    private static final String ABORTED = "Job aborted due to stage failure: Task 1 in stage 3.0 failed 4 times, most "
            + "recent failure: Lost task 1.3 in stage 3.0 (TID 9) (127.0.0.1 executor 2): ";

    @Test
    void theInvalidInputInTheCauseChainGivesTheMessage() {
        InvalidInputException cause = new InvalidInputException("--data: x.tar.idx does not match manifest.json");
        RuntimeException e = SparkErrors.unwrapInvalidInput(new SparkException(ABORTED + cause + "\n\tat a.b(C.java:1)",
                cause));
        assertThat(e).isInstanceOf(InvalidInputException.class)
                .hasMessage("--data: x.tar.idx does not match manifest.json");
    }

    @Test
    void aMessageIsCutToItsFirstLine() {
        RuntimeException e = SparkErrors.unwrapInvalidInput(new SparkException("aborted",
                new InvalidInputException("--data: first line\nsecond line")));
        assertThat(e).hasMessage("--data: first line");
    }

    @Test
    void anExceptionTheDriverCouldNotDeserializeIsFoundInTheAbortMessage() {
        // Spark keeps only the text when the executor's exception does not deserialize on the driver
        RuntimeException e = SparkErrors.unwrapInvalidInput(new SparkException(ABORTED
                + "ai.synergy.dataset.DamagedShardException: --data: file:/s/train-00000-of-00004.tar: image k does "
                + "not decode (TRUNCATED: cut short): the shard is damaged; rerun prepare\n\nDriver stacktrace:\n\tat x"));
        assertThat(e).isInstanceOf(InvalidInputException.class).hasMessage("--data: file:/s/train-00000-of-00004.tar: "
                + "image k does not decode (TRUNCATED: cut short): the shard is damaged; rerun prepare");
    }

    @Test
    void otherFailuresAreLeftAsTheyAre() {
        IllegalStateException other = new IllegalStateException("out of memory in the native allocator");
        assertThat(SparkErrors.unwrapInvalidInput(other)).isSameAs(other);
        SparkException spark = new SparkException(ABORTED + "java.lang.IllegalStateException: boom");
        assertThat(SparkErrors.unwrapInvalidInput(spark)).isInstanceOf(IllegalStateException.class)
                .hasCause(spark);
    }
}
