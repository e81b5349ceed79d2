/**
 * Data set readers that need no Spark: IDX (Fashion-MNIST) images and labels.
 */
package ai.synergy.data;
