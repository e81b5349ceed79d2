package ai.synergy.cluster;

import ai.synergy.cli.SynergyCli;
import ai.synergy.engines.SubmitLines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.spark.SparkConf;
import org.apache.spark.internal.config.ConfigEntry;
import org.apache.spark.internal.config.ConfigEntry$;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.metrics.MetricsConfig;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Checks cluster-conf/ against Spark 3.5's configuration registry and with the tools that read its files. */
public class ClusterConfTest {
    private static final Path ROOT = checkoutRoot();
    private static final Path CONF = ROOT.resolve("cluster-conf");
    private static final String REGISTRATOR = "ai.synergy.spark.SynergyKryoRegistrator";
    private static final String HELPERS_ON = "-Dorg.eclipse.deeplearning4j.helpers.disable=false";
    private static final Pattern MAX_BYTES = Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.maxbytes=(\\S+)");
    private static final Pattern MAX_PHYSICAL_BYTES =
            Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.maxphysicalbytes=(\\S+)");

    /**
     * Scala objects whose initialisation registers Spark's config entries in {@code ConfigEntry.knownConfigs}:
     * core, its topic objects, SQL, YARN and Kubernetes.
     */
    private static final List<String> CONFIG_OBJECTS = List.of(
            "org.apache.spark.internal.config.package$",
            "org.apache.spark.internal.config.Deploy$",
            "org.apache.spark.internal.config.History$",
            "org.apache.spark.internal.config.Kryo$",
            "org.apache.spark.internal.config.Network$",
            "org.apache.spark.internal.config.Python$",
            "org.apache.spark.internal.config.R$",
            "org.apache.spark.internal.config.Status$",
            "org.apache.spark.internal.config.Streaming$",
            "org.apache.spark.internal.config.Tests$",
            "org.apache.spark.internal.config.UI$",
            "org.apache.spark.internal.config.Worker$",
            "org.apache.spark.sql.internal.SQLConf$",
            "org.apache.spark.deploy.yarn.config.package$",
            "org.apache.spark.deploy.k8s.Config$");

    /** Keys Spark reads by prefix or pattern rather than from its registry. */
    private static final List<Pattern> PATTERN_KEYS = Stream.of(
                    "spark\\.(driver|executor|task|worker)\\.resource\\.[A-Za-z0-9_-]+\\.(amount|discoveryScript|vendor)",
                    "spark\\.executorEnv\\.[A-Za-z_][A-Za-z0-9_]*",
                    "spark\\.yarn\\.appMasterEnv\\.[A-Za-z_][A-Za-z0-9_]*",
                    "spark\\.kubernetes\\.(driver|executor)\\.(label|annotation|secrets)\\.[^\\s]+",
                    "spark\\.metrics\\.conf\\.[^\\s]+")
            .map(Pattern::compile)
            .toList();

    /** Keys in which a GPU variant may differ from its CPU file (image, pod templates, GPU resources). */
    private static final Pattern GPU_ONLY_KEYS = Pattern.compile(
            "spark\\.(driver|executor|task)\\.resource\\..+|spark\\.yarn\\.resourceGpuDeviceName"
                    + "|spark\\.kubernetes\\.container\\.image|spark\\.kubernetes\\.(driver|executor)\\.podTemplateFile");

    /** Loads the Scala objects that register Spark's configuration entries (core, YARN, Kubernetes). */
    @BeforeAll
    public static void registerSparkConfigEntries() throws ClassNotFoundException {
        ClassLoader loader = ClusterConfTest.class.getClassLoader();
        for (String name : CONFIG_OBJECTS) {
            Class.forName(name, true, loader);
        }
    }

    static List<Path> defaultsFiles() throws IOException {
        try (Stream<Path> files = Files.list(CONF)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().matches("spark-defaults.*\\.conf"))
                    .sorted()
                    .toList();
            assertThat(found).extracting(f -> f.getFileName().toString()).contains(
                    "spark-defaults.standalone.conf", "spark-defaults.standalone-small.conf",
                    "spark-defaults.yarn.conf", "spark-defaults.yarn-small.conf", "spark-defaults.yarn-gpu.conf",
                    "spark-defaults.k8s.conf", "spark-defaults.k8s-gpu.conf");
            return found;
        }
    }

    @ParameterizedTest
    @MethodSource("defaultsFiles")
    void everyKeyIsOneSparkKnowsAndEveryValueParses(Path file) throws IOException {
        assertThat(problems(settings(file))).as(file.toString()).isEmpty();
        assertThat(problems(settingsLeftOff(file))).as(file + " (#spark. lines)").isEmpty();
        if (file.getFileName().toString().equals("spark-defaults.standalone.conf")) {
            assertThat(settingsLeftOff(file)).containsKeys("spark.cores.max", "spark.executor.resource.gpu.amount");
        }
        assertThat(duplicateKeys(file)).as(file.toString()).isEmpty();
    }

    @Test
    void aMisspeltKeyOrAMalformedValueIsReported() {
        Map<String, String> settings = new TreeMap<>();
        settings.put("spark.executor.memory", "8g");
        settings.put("spark.executor.memoryOverhaed", "19g");
        settings.put("spark.executor.resource.gpu.ammount", "1");
        settings.put("spark.kubernetes.executor.podTemplateFiel", "x.yaml");
        settings.put("spark.executor.cores", "eight");

        List<String> problems = problems(settings);

        assertThat(problems).hasSize(4);
        assertThat(problems).anyMatch(p -> p.contains("spark.executor.memoryOverhaed"))
                .anyMatch(p -> p.contains("spark.executor.resource.gpu.ammount"))
                .anyMatch(p -> p.contains("spark.kubernetes.executor.podTemplateFiel"))
                .anyMatch(p -> p.contains("spark.executor.cores") && p.contains("eight"));
    }

    @ParameterizedTest
    @MethodSource("defaultsFiles")
    void kryoAndOneTrainingTaskPerExecutor(Path file) {
        Map<String, String> s = settings(file);
        assertThat(s).containsEntry("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .containsEntry("spark.kryo.registrationRequired", "true")
                .containsEntry("spark.dynamicAllocation.enabled", "false")
                .containsEntry("spark.ui.prometheus.enabled", "true");
        // the class may not exist yet on every branch: check the name, never load it
        assertThat(s.get("spark.kryo.registrator").split("\\s*,\\s*")).contains(REGISTRATOR);
        assertThat(s.get("spark.plugins").split("\\s*,\\s*")).contains(ai.synergy.watch.SynergyMetricsPlugin.class
                .getName());
        long kryoBuffer = JavaUtils.byteStringAsBytes(s.get("spark.kryoserializer.buffer.max"));
        assertThat(kryoBuffer).isBetween(512L << 20, (2048L << 20) - 1);
        assertThat(s.get("spark.executor.cores")).isNotNull().isEqualTo(s.get("spark.task.cpus"));
        if (file.getFileName().toString().contains("k8s")) {
            // Spark mounts the submitting side's SPARK_CONF_DIR at /opt/spark/conf in the pods
            assertThat(s.get("spark.metrics.conf")).isEqualTo("/opt/spark/conf/metrics.properties");
        } else {
            // unset: Spark reads metrics.properties from the class path (YARN: --files into the containers' working
            // folder, --driver-class-path for a client-mode driver; standalone: conf/ of every node). A relative
            // path would be resolved against a client-mode driver's current folder, which holds no such file.
            assertThat(s).doesNotContainKey("spark.metrics.conf");
        }
    }

    @ParameterizedTest
    @MethodSource("defaultsFiles")
    void heapPlusNd4jOffHeapFitTheContainer(Path file) {
        Map<String, String> s = settings(file);
        boolean containerised = !file.getFileName().toString().contains("standalone");
        for (String role : List.of("driver", "executor")) {
            String what = file.getFileName() + " " + role;
            String options = s.get("spark." + role + ".extraJavaOptions");
            assertThat(options).as(what).contains(HELPERS_ON);
            assertThat(log4jConfigurationFile(options).getFileName()).as(what).hasToString("log4j2.properties");
            if (!file.getFileName().toString().contains("k8s")) {
                // a bare name: log4j2 looks in the working folder, then on the class path
                assertThat(log4jConfigurationFile(options)).as(what).hasToString("log4j2.properties");
            }

            long heap = JavaUtils.byteStringAsBytes(s.get("spark." + role + ".memory"));
            long maxBytes = JavaUtils.byteStringAsBytes(javaOption(MAX_BYTES, options, what));
            long maxPhysical = JavaUtils.byteStringAsBytes(javaOption(MAX_PHYSICAL_BYTES, options, what));
            assertThat(maxPhysical).as(what + ": maxphysicalbytes >= heap + maxbytes").isGreaterThanOrEqualTo(heap + maxBytes);
            if (containerised) {
                String overheadValue = s.get("spark." + role + ".memoryOverhead");
                assertThat(overheadValue).as(what + ": memoryOverhead").isNotNull();
                long overhead = JavaUtils.byteStringAsBytes(overheadValue);
                assertThat(overhead).as(what + ": memoryOverhead covers maxbytes").isGreaterThanOrEqualTo(maxBytes);
                assertThat(maxPhysical).as(what + ": maxphysicalbytes < container").isLessThan(heap + overhead);
            }
        }
    }

    @Test
    void gpuVariantsDifferFromTheirCpuFilesOnlyInGpuSettings() {
        for (String cluster : List.of("yarn", "k8s")) {
            Map<String, String> cpu = settings(CONF.resolve("spark-defaults." + cluster + ".conf"));
            Map<String, String> gpu = settings(CONF.resolve("spark-defaults." + cluster + "-gpu.conf"));
            Set<String> keys = new TreeSet<>(cpu.keySet());
            keys.addAll(gpu.keySet());
            List<String> differing = keys.stream()
                    .filter(k -> !String.valueOf(cpu.get(k)).equals(String.valueOf(gpu.get(k))))
                    .toList();
            assertThat(differing).as(cluster).allMatch(k -> GPU_ONLY_KEYS.matcher(k).matches());

            for (String role : List.of("executor", "driver")) {
                assertThat(gpu).containsEntry("spark." + role + ".resource.gpu.amount", "1");
                assertThat(Paths.get(gpu.get("spark." + role + ".resource.gpu.discoveryScript")).getFileName())
                        .hasToString("getGpusResources.sh");
                if (cluster.equals("k8s")) {
                    assertThat(gpu).containsEntry("spark." + role + ".resource.gpu.vendor", "nvidia.com");
                }
            }
            assertThat(gpu).containsEntry("spark.task.resource.gpu.amount", "1");
        }
    }

    @Test
    void podTemplatesArePodsWithTheNamedContainers() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(CONF.resolve("k8s"))) {
            for (Path template : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                JsonNode pod = yaml.readTree(template.toFile());
                assertThat(pod.path("apiVersion").asText()).as(template.toString()).isEqualTo("v1");
                assertThat(pod.path("kind").asText()).as(template.toString()).isEqualTo("Pod");
                assertThat(pod.path("spec").path("containers").isArray()).as(template.toString()).isTrue();
            }
        }
        for (String variant : List.of("k8s", "k8s-gpu")) {
            Map<String, String> s = settings(CONF.resolve("spark-defaults." + variant + ".conf"));
            boolean gpu = variant.endsWith("gpu");
            for (String role : List.of("driver", "executor")) {
                Path template = ROOT.resolve(s.get("spark.kubernetes." + role + ".podTemplateFile"));
                assertThat(template).as(variant + " " + role).isRegularFile();
                JsonNode pod = yaml.readTree(template.toFile());
                String name = s.get("spark.kubernetes." + role + ".podTemplateContainerName");
                JsonNode container = container(pod, name);
                assertThat(container).as(template + ": container " + name).isNotNull();
                if (role.equals("executor")) {
                    assertThat(mountsMemoryDevShm(pod, container)).as(template + ": /dev/shm in memory").isTrue();
                }
                if (gpu) {
                    assertThat(container.path("resources").path("limits").path("nvidia.com/gpu").asText())
                            .as(template + ": GPU limit").isEqualTo("1");
                    assertThat(pod.path("spec").path("tolerations").findValuesAsText("key"))
                            .as(template + ": toleration").contains("nvidia.com/gpu");
                }
            }
        }
        // the image carries the discovery script where the k8s GPU file looks for it
        String dockerfile = Files.readString(CONF.resolve("k8s/Dockerfile"));
        String script = settings(CONF.resolve("spark-defaults.k8s-gpu.conf"))
                .get("spark.executor.resource.gpu.discoveryScript");
        assertThat(dockerfile).contains("COPY cluster-conf/gpu/getGpusResources.sh " + script)
                .contains("/opt/synergy/synergy-spark-jobs-app.jar");
    }

    @Test
    void metricsPropertiesGiveDriverAndExecutorsPrometheusAndJvmMetrics() throws Exception {
        Path file = CONF.resolve("metrics.properties");
        Properties raw = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            raw.load(in);
        }
        assertThat(raw).containsEntry("*.sink.prometheusServlet.class",
                "org.apache.spark.metrics.sink.PrometheusServlet");
        for (String key : raw.stringPropertyNames()) {
            if (key.endsWith(".class")) {
                Class.forName(raw.getProperty(key), false, getClass().getClassLoader());
            }
        }
        // read it the way Spark does: per-instance properties with the * defaults merged in
        MetricsConfig metrics = new MetricsConfig(new SparkConf(false).set("spark.metrics.conf", file.toString()));
        metrics.initialize();
        for (String instance : List.of("driver", "executor")) {
            Properties p = metrics.getInstance(instance);
            assertThat(p).as(instance)
                    .containsEntry("sink.prometheusServlet.class", "org.apache.spark.metrics.sink.PrometheusServlet")
                    .containsEntry("source.jvm.class", "org.apache.spark.metrics.source.JvmSource");
        }
    }

    @Test
    void log4j2PropertiesBuildsAConfigurationWhoseAppenderRefsExist() throws IOException {
        Path file = CONF.resolve("log4j2.properties");
        Configuration config;
        try (InputStream in = Files.newInputStream(file)) {
            config = new PropertiesConfigurationFactory()
                    .getConfiguration(new LoggerContext("ClusterConfTest"), new ConfigurationSource(in, file.toFile()));
        }
        config.initialize();
        assertThat(config.getAppenders()).containsKey("console");
        assertThat(config.getRootLogger().getLevel()).isEqualTo(Level.WARN);
        assertThat(config.getLoggerConfig("ai.synergy").getLevel()).isEqualTo(Level.INFO);
        List<LoggerConfig> loggers = new ArrayList<>(config.getLoggers().values());
        loggers.add(config.getRootLogger());
        for (LoggerConfig logger : loggers) {
            for (AppenderRef ref : logger.getAppenderRefs()) {
                assertThat(config.getAppenders()).as("logger '" + logger.getName() + "'").containsKey(ref.getRef());
            }
        }
    }

    @Test
    void everyScriptPassesBashSyntaxCheck() throws Exception {
        List<Path> scripts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CONF)) {
            files.filter(f -> f.toString().endsWith(".sh")).forEach(scripts::add);
        }
        try (Stream<Path> files = Files.list(ROOT.resolve("bin"))) {
            files.filter(Files::isRegularFile).forEach(scripts::add);
        }
        assertThat(scripts).contains(CONF.resolve("gpu/getGpusResources.sh"), ROOT.resolve("bin/synergy"));
        for (Path script : scripts) {
            Run run = run(List.of("bash", "-n", script.toString()), null);
            assertThat(run.exit()).as(script + ": " + run.err()).isZero();
        }
    }

    @Test
    void discoveryScriptPrintsTheGpusNvidiaSmiLists(@TempDir Path tmp) throws Exception {
        Path bin = pathWithBashOnly(tmp);
        Path fake = bin.resolve("nvidia-smi");
        Files.writeString(fake, "#!/usr/bin/env bash\nprintf '0\\n1'\n");
        assertThat(fake.toFile().setExecutable(true)).isTrue();

        Run run = run(List.of(discoveryScript().toString()), Map.of("PATH", bin.toString()));

        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode expected = new ObjectMapper().readTree("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}");
        assertThat(new ObjectMapper().readTree(run.out())).isEqualTo(expected);
    }

    @Test
    void discoveryScriptFailsWithAMessageWithoutNvidiaSmi(@TempDir Path tmp) throws Exception {
        Run run = run(List.of(discoveryScript().toString()), Map.of("PATH", pathWithBashOnly(tmp).toString()));

        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("nvidia-smi");
        assertThat(run.out()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("defaultsFiles")
    void javaModuleFlagsOnlyWhereSparkAddsNone(Path file) {
        Map<String, String> s = settings(file);
        List<String> sparkFlags = List.of(JavaModuleOptions.defaultModuleOptions().split("\\s+"));
        for (String role : List.of("driver", "executor")) {
            String options = s.get("spark." + role + ".extraJavaOptions");
            if (file.getFileName().toString().startsWith("spark-defaults.standalone") && role.equals("driver")) {
                // a worker launches a cluster-mode driver without them (Spark 3.5's DriverRunner): Spark's own list
                assertThat(List.of(options.split("\\s+"))).as(file + " " + role).containsAll(sparkFlags);
            } else {
                // Spark adds them to YARN containers, Kubernetes pods, standalone executors, client-mode drivers
                assertThat(options).as(file + " " + role).doesNotContain("--add-opens");
            }
        }
    }

    @Test
    void yarnAllowsASecondAttemptAndStandaloneClusterModeWaitsForItsDriver() {
        for (String variant : List.of("yarn", "yarn-small", "yarn-gpu")) {
            assertThat(settings(CONF.resolve("spark-defaults." + variant + ".conf")))
                    .as(variant).containsEntry("spark.yarn.maxAppAttempts", "2");
        }
        for (String variant : List.of("standalone", "standalone-small")) {
            assertThat(settings(CONF.resolve("spark-defaults." + variant + ".conf"))).as(variant)
                    .containsEntry("spark.standalone.submit.waitAppCompletion", "true");
        }
    }

    /** Keys a small-cluster variant may change: sizes only. */
    private static final Pattern SIZE_KEYS = Pattern.compile("spark\\.(executor|driver)\\.(memory|memoryOverhead|cores)"
            + "|spark\\.task\\.cpus|spark\\.executor\\.instances|spark\\.driver\\.maxResultSize|spark\\.cores\\.max");

    @Test
    void smallClusterVariantsDifferOnlyInSizes() throws IOException {
        for (String cluster : List.of("yarn", "standalone")) {
            Map<String, String> big = settings(CONF.resolve("spark-defaults." + cluster + ".conf"));
            Map<String, String> small = settings(CONF.resolve("spark-defaults." + cluster + "-small.conf"));
            assertThat(small.keySet()).as(cluster).isEqualTo(big.keySet());
            for (String key : big.keySet()) {
                if (key.endsWith(".extraJavaOptions")) {
                    assertThat(withoutNd4jLimits(small.get(key))).as(cluster + " " + key)
                            .isEqualTo(withoutNd4jLimits(big.get(key)));
                } else if (!SIZE_KEYS.matcher(key).matches()) {
                    assertThat(small.get(key)).as(cluster + " " + key).isEqualTo(big.get(key));
                }
            }
            Set<String> leftOffKeys = settingsLeftOff(CONF.resolve("spark-defaults." + cluster + ".conf")).keySet();
            assertThat(settingsLeftOff(CONF.resolve("spark-defaults." + cluster + "-small.conf")).keySet())
                    .as(cluster + " (#spark. lines)").isEqualTo(leftOffKeys);
            // small enough for a node of 8 GB: one executor container (or heap + off-heap on standalone) <= 5 GB
            long executorBytes = JavaUtils.byteStringAsBytes(small.get("spark.executor.memory"))
                    + JavaUtils.byteStringAsBytes(small.getOrDefault("spark.executor.memoryOverhead",
                    javaOption(MAX_BYTES, small.get("spark.executor.extraJavaOptions"), cluster)));
            assertThat(executorBytes).as(cluster + "-small executor").isLessThanOrEqualTo(5L << 30);
            assertThat(Integer.parseInt(small.get("spark.executor.cores"))).isLessThanOrEqualTo(2);
        }
    }

    private static String withoutNd4jLimits(String options) {
        return MAX_PHYSICAL_BYTES.matcher(MAX_BYTES.matcher(options).replaceAll("")).replaceAll("");
    }

    /**
     * The README's spark-submit lines are the engine tests' ({@code ai.synergy.engines.SubmitLines}): the same options
     * in the same order, the tests changing sizes only; the YARN ones train with {@code --resume auto}.
     */
    @Test
    void readmeSparkSubmitLinesAreTheOnesTheEngineTestsRun() throws IOException {
        String readme = Files.readString(CONF.resolve("README.md"));
        List<List<String>> lines = sparkSubmitLines(readme);
        String master = "spark://<master-host>:7077";
        List<List<String>> expected = List.of(
                SubmitLines.concat(SubmitLines.yarn("cluster", 8), SubmitLines.application()),
                SubmitLines.concat(SubmitLines.yarn("client", 8), SubmitLines.application()),
                SubmitLines.concat(SubmitLines.standalone(master, "client", 64), SubmitLines.application()),
                SubmitLines.concat(SubmitLines.standalone(master, "cluster", 64), SubmitLines.application()));
        List<List<String>> shown = lines.stream().filter(l -> l.contains(SubmitLines.APP_JAR))
                .map(l -> l.subList(1, l.indexOf(SubmitLines.APP_JAR) + 1)).toList();
        assertThat(shown).as("spark-submit lines of cluster-conf/README.md up to the jar").containsAll(expected);
        for (List<String> line : lines) {
            if (line.contains("yarn") && line.contains("train")) {
                assertThat(line).as(String.join(" ", line)).endsWith("--resume", "auto");
            }
        }
    }

    /** The {@code spark-submit ...} commands of a Markdown text, continuation lines joined, split into words. */
    static List<List<String>> sparkSubmitLines(String markdown) {
        List<List<String>> commands = new ArrayList<>();
        String joined = markdown.replace("\\\n", " ");
        for (String line : joined.split("\n")) {
            String stripped = line.strip();
            int at = stripped.indexOf("spark-submit ");
            if (at >= 0 && (at == 0 || stripped.startsWith("SPARK_CONF_DIR="))) {
                commands.add(List.of(stripped.substring(at).split("\\s+")));
            }
        }
        return commands;
    }

    @Test
    void readmeNamesExistingFilesAndValidJobArguments() throws IOException {
        String readme = Files.readString(CONF.resolve("README.md"));
        Matcher paths = Pattern.compile("cluster-conf/[A-Za-z0-9_./-]*[A-Za-z0-9_]").matcher(readme);
        while (paths.find()) {
            assertThat(ROOT.resolve(paths.group())).as("README mentions " + paths.group()).exists();
        }
        for (Path file : defaultsFiles()) {
            assertThat(readme).contains(file.getFileName().toString());
        }
        List<String> jobLines = readme.lines()
                .map(String::strip)
                .filter(l -> l.matches("(train|evaluate|quantize|prepare|convert) --.*"))
                .toList();
        assertThat(jobLines).isNotEmpty();
        for (String line : jobLines) {
            CommandLine cli = new CommandLine(new SynergyCli());
            try {
                assertThat(cli.parseArgs(line.split("\\s+")).hasSubcommand()).as(line).isTrue();
            } catch (CommandLine.ParameterException e) {
                fail("README job line does not parse: " + line + ": " + e.getMessage());
            }
        }
    }

    /** Problems with a set of settings: keys Spark does not know, values its typed entries cannot parse. */
    public static List<String> problems(Map<String, String> settings) {
        SparkConf conf = new SparkConf(false);
        settings.forEach(conf::set);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String key = setting.getKey();
            ConfigEntry<?> entry = ConfigEntry$.MODULE$.findEntry(key);
            if (entry == null) {
                if (PATTERN_KEYS.stream().noneMatch(p -> p.matcher(key).matches())) {
                    problems.add("unknown key: " + key);
                } else if (key.endsWith(".amount") && !setting.getValue().matches("\\d+(\\.\\d+)?")) {
                    problems.add("bad value for " + key + ": '" + setting.getValue() + "' (not an amount)");
                }
                continue;
            }
            try {
                conf.get(entry);
            } catch (RuntimeException e) {
                problems.add("bad value for " + key + ": '" + setting.getValue() + "' (" + e.getMessage() + ")");
            }
        }
        return problems;
    }

    /** The settings of a properties file, read as spark-submit reads {@code --properties-file}. */
    static Map<String, String> settings(Path file) {
        return new TreeMap<>(scala.collection.JavaConverters
                .mapAsJavaMapConverter(Utils.getPropertiesFromFile(file.toString())).asJava());
    }

    /** Settings written as {@code #spark.<key> <value>}: left off on purpose, still checked. */
    static Map<String, String> settingsLeftOff(Path file) throws IOException {
        String text = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("#spark."))
                .map(l -> l.substring(1))
                .collect(Collectors.joining("\n"));
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, String> settings = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k).trim()));
        return settings;
    }

    private static Set<String> duplicateKeys(Path file) throws IOException {
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new TreeSet<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("!")) {
                continue;
            }
            String key = l.split("[\\s=:]", 2)[0];
            if (!seen.add(key)) {
                duplicates.add(key);
            }
        }
        return duplicates;
    }

    private static String javaOption(Pattern option, String options, String what) {
        Matcher m = option.matcher(options);
        assertThat(m.find()).as(what + ": " + option.pattern()).isTrue();
        return m.group(1);
    }

    private static Path log4jConfigurationFile(String options) {
        Matcher m = Pattern.compile("-Dlog4j2\\.configurationFile=(\\S+)").matcher(options);
        assertThat(m.find()).as("-Dlog4j2.configurationFile in " + options).isTrue();
        return Paths.get(m.group(1));
    }

    private static JsonNode container(JsonNode pod, String name) {
        for (JsonNode c : pod.path("spec").path("containers")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        return null;
    }

    private static boolean mountsMemoryDevShm(JsonNode pod, JsonNode container) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if ("/dev/shm".equals(mount.path("mountPath").asText())) {
                for (JsonNode volume : pod.path("spec").path("volumes")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText())) {
                        return "Memory".equals(volume.path("emptyDir").path("medium").asText());
                    }
                }
            }
        }
        return false;
    }

    private static Path discoveryScript() {
        Path script = CONF.resolve("gpu/getGpusResources.sh");
        assertThat(Files.isExecutable(script)).as(script + " is executable").isTrue();
        return script;
    }

    /** A PATH folder holding only bash, so that the script's {@code #!/usr/bin/env bash} works and nothing else. */
    private static Path pathWithBashOnly(Path tmp) throws Exception {
        String bash = run(List.of("bash", "-c", "command -v bash"), null).out().strip();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path wrapper = bin.resolve("bash");
        Files.writeString(wrapper, "#!" + bash + "\nexec " + bash + " \"$@\"\n");
        assertThat(wrapper.toFile().setExecutable(true)).isTrue();
        return bin;
    }

    /** Exit status and output of a finished process. */
    private record Run(int exit, String out, String err) {
    }

    /** Runs a command with a bounded wait; {@code env}, when given, replaces the environment. */
    private static Run run(List<String> command, Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory("cluster-conf-test");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (env != null) {
            builder.environment().clear();
            builder.environment().putAll(new HashMap<>(env));
        }
        Process process = builder.start();
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail("timed out after 30 s: " + command);
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            Files.deleteIfExists(dir);
        }
    }

    private static Path checkoutRoot() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("cluster-conf"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no cluster-conf/ above " + Paths.get("").toAbsolutePath());
        }
        return dir;
    }
}
