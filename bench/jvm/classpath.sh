# Sourced by the bench/*.sh scripts that run a benchmark class of this module (ai.synergy.bench) through bin/synergy,
# with $root set to the checkout. The classes are built with the rest of the reactor (mvn package, bin/synergy's own
# build); when they are missing, this builds the module and what it needs (mvn -pl bench/jvm -am package), which also
# gives bin/synergy its classpath. Then it hands the classes to bin/synergy through SYNERGY_EXTRA_CLASSPATH.
bench_classes="$root/bench/jvm/target/classes"
if [[ ! -d "$bench_classes/ai/synergy/bench" ]]; then
  echo "bench: building bench/jvm (mvn -q -DskipTests -pl bench/jvm -am package) ..." >&2
  (cd "$root" && mvn -q -B -DskipTests -pl bench/jvm -am package) >&2
fi
export SYNERGY_EXTRA_CLASSPATH="$bench_classes"
