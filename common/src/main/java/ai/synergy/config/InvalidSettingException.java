package ai.synergy.config;

/**
 * A configuration value out of its range, named by its setting (the configuration record's component, e.g.
 * {@code batchSizePerWorker}) rather than by any front end's spelling of it: the command line maps the setting to its
 * flag ({@code --batch-size}), a notebook user reads the builder method's name.
 */
public class InvalidSettingException extends InvalidInputException {
    private final String setting;
    private final String problem;

    /**
     * @param setting the setting's name, as in the configuration record
     * @param problem what is wrong, starting with a verb ("must be >= 1, got 0"), or with a colon when it is a
     *                sentence of its own (": /data/manifest.json does not exist")
     */
    public InvalidSettingException(String setting, String problem) {
        super(setting + (problem.startsWith(":") ? "" : " ") + problem);
        this.setting = setting;
        this.problem = problem;
    }

    /** The setting's name, as in the configuration record. */
    public String setting() {
        return setting;
    }

    /** What is wrong with its value ("must be >= 1, got 0"). */
    public String problem() {
        return problem;
    }
}
