/**
 * Driver side: {@code robust-compress}, the "robust and small" chain as one resumable run over the existing jobs:
 * DKS training and its lean export, PGD training with ADMM pruning from it, INQ at each bit-width keeping the zeros,
 * each stage a sub run folder owned by its job ({@link ai.synergy.jobs.TrainJob},
 * {@link ai.synergy.jobs.QuantizeJob}) and evaluated natural, PGD-20 and APGD-CE after it
 * ({@link ai.synergy.chain.StageMeasures}). {@link ai.synergy.chain.RobustCompressJob} runs and resumes the stages,
 * {@link ai.synergy.chain.ChainConfig} derives every stage's configuration from the chain's settings,
 * {@link ai.synergy.chain.ChainState} is {@code stages.json}, {@link ai.synergy.chain.ChainReport} the report and
 * chart. See docs/methods.md section 6.
 */
package ai.synergy.chain;
