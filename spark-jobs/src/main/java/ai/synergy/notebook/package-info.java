/**
 * The typed API for Zeppelin notebooks, spark-shell and Spark applications: run a job on the caller's Spark session
 * from the configuration builders the command line uses, and read its outputs as DataFrames. For scoring a DataFrame
 * of images in Spark ML terms, see {@link ai.synergy.ml.SynergyClassifierModel}.
 */
package ai.synergy.notebook;
