/**
 * The facade Zeppelin notebooks (and spark-shell) use: run a job on the notebook's Spark session and read its outputs
 * as DataFrames.
 */
package ai.synergy.notebook;
