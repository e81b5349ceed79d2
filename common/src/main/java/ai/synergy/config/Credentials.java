package ai.synergy.config;

import java.util.regex.Pattern;

/**
 * Keeps secrets that users put into URIs ({@code s3a://KEY:SECRET@bucket/...}) out of messages and of the files a run
 * writes (provenance, reports): the password part of a URI's user information is replaced by {@code ***}.
 */
public final class Credentials {
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(://[^/@\\s\"':]*):[^/@\\s\"']+@");

    private Credentials() {
    }

    /** {@code text} with every URI password replaced by {@code ***}. */
    public static String redact(String text) {
        return text == null ? null : USER_INFO_PASSWORD.matcher(text).replaceAll("$1:***@");
    }
}
