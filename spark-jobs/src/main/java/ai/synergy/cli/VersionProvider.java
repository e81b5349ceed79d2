package ai.synergy.cli;

import ai.synergy.jobs.ProductVersion;
import picocli.CommandLine;

/** {@code synergy --version}: the build's version ({@link ProductVersion}). */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[]{ProductVersion.product()};
    }
}
