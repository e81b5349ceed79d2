package ai.synergy.chain;

/**
 * One stage of the chain: its name (also its sub run folder's) and what it runs.
 *
 * @param name the stage's name and folder: {@code a-dks}, {@code b-prune}, {@code c-inq5}, ...
 * @param kind the job it runs
 * @param bits INQ's bit-width; 0 for the training stages
 */
public record ChainStage(String name, Kind kind, int bits) {

    /** What a stage runs. */
    public enum Kind {
        /** {@code train --supervision dks}: the lean export is its model.zip. */
        DKS,
        /** {@code train --adversarial pgd --prune admm --init-model <a>}. */
        PRUNE,
        /** {@code quantize --method inq --bits N --model <b>} (zeros kept, compact export). */
        INQ
    }

    /** Stage (a). */
    static ChainStage dks() {
        return new ChainStage("a-dks", Kind.DKS, 0);
    }

    /** Stage (b). */
    static ChainStage prune() {
        return new ChainStage("b-prune", Kind.PRUNE, 0);
    }

    /** An INQ stage; the letters go on from c in the order of the bit-widths. */
    static ChainStage inq(int bits, int index) {
        return new ChainStage((char) ('a' + index) + "-inq" + bits, Kind.INQ, bits);
    }

    /** How the report names the stage. */
    public String label() {
        return switch (kind) {
            case DKS -> "(a) DKS, lean export";
            case PRUNE -> "(b) PGD + ADMM pruning";
            case INQ -> "(" + name.charAt(0) + ") INQ " + bits + "-bit";
        };
    }
}
