/**
 * TensorBoard event files, written without TensorFlow: TFRecord framing with masked CRC32C checksums
 * ({@link ai.synergy.tensorboard.TfRecords}), {@code Event} protobufs around TensorFlow's own {@code Summary} class
 * (shaded in nd4j-api; {@link ai.synergy.tensorboard.Events}), a writer of scalar series onto any output stream
 * ({@link ai.synergy.tensorboard.EventFileWriter}) and a reader of such files
 * ({@link ai.synergy.tensorboard.EventFileReader}). Where a file lives (a Hadoop file system) is the caller's.
 */
package ai.synergy.tensorboard;
