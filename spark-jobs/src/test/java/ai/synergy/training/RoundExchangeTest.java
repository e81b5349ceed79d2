package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which way a round's arrays travel, from the Spark configuration and whether the master is local. */
class RoundExchangeTest {

    @Test
    void autoHandsOverInTheJvmInLocalModeAndDirectlyOnClustersUnlessTheyEncrypt() {
        assertThat(RoundExchange.of(new SparkConf(), true)).isEqualTo(RoundExchange.IN_JVM);
        assertThat(RoundExchange.of(new SparkConf(), false)).isEqualTo(RoundExchange.DIRECT);
        assertThat(RoundExchange.of(new SparkConf().set(RoundExchange.KEY, " Auto "), true))
                .isEqualTo(RoundExchange.IN_JVM);
        assertThat(RoundExchange.of(new SparkConf().set(RoundExchange.CRYPTO_KEY, "true"), false))
                .isEqualTo(RoundExchange.SPARK);
    }

    @Test
    void sparkCanBeChosenEverywhereDirectWhereNotEncryptedAndInJvmOnlyInLocalMode() {
        assertThat(RoundExchange.of(new SparkConf().set(RoundExchange.KEY, "spark"), true))
                .isEqualTo(RoundExchange.SPARK);
        assertThat(RoundExchange.of(new SparkConf().set(RoundExchange.KEY, "direct"), true))
                .isEqualTo(RoundExchange.DIRECT);
        assertThat(RoundExchange.of(new SparkConf().set(RoundExchange.KEY, "in-jvm"), true))
                .isEqualTo(RoundExchange.IN_JVM);
        assertThatThrownBy(() -> RoundExchange.of(new SparkConf().set(RoundExchange.KEY, "in-jvm")
                .set("spark.master", "spark://127.0.0.1:7077"), false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(RoundExchange.KEY + "=in-jvm").hasMessageContaining("spark://127.0.0.1:7077");
        assertThatThrownBy(() -> RoundExchange.of(new SparkConf().set(RoundExchange.KEY, "direct")
                .set(RoundExchange.CRYPTO_KEY, "true"), false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(RoundExchange.KEY + "=direct").hasMessageContaining(RoundExchange.CRYPTO_KEY);
    }

    @Test
    void anUnknownValueIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> RoundExchange.of(new SparkConf().set(RoundExchange.KEY, "shared-memory"), true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(RoundExchange.KEY + "=shared-memory: expected auto, direct, in-jvm or spark");
    }
}
