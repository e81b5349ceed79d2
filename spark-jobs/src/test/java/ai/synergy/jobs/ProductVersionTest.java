package ai.synergy.jobs;

import ai.synergy.cli.SynergyCli;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The version the program reports is the pom's, filled in by the build, in {@code --version} and in manifests. */
class ProductVersionTest {

    @Test
    void theVersionIsThePomsFilledInByTheBuild() throws Exception {
        assertThat(ProductVersion.VERSION).doesNotContain("${").matches("\\d+\\.\\d+\\.\\d+.*");
        // surefire runs in the module's folder: this module's pom inherits its version from the parent
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File("pom.xml"));
        String own = XPathFactory.newInstance().newXPath().evaluate("/project/version", pom);
        String inherited = XPathFactory.newInstance().newXPath().evaluate("/project/parent/version", pom);
        assertThat(ProductVersion.VERSION).isEqualTo(own.isEmpty() ? inherited : own);
        assertThat(ProductVersion.product()).isEqualTo("synergy " + ProductVersion.VERSION);
    }

    @Test
    void synergyVersionPrintsIt() {
        StringWriter out = new StringWriter();
        int code = SynergyCli.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                "--version");
        assertThat(code).isZero();
        assertThat(out.toString().strip()).isEqualTo("synergy " + ProductVersion.VERSION);
    }
}
