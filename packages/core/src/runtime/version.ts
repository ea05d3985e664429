/** kt's version, written into checkpoints and run summaries. */
export const KT_VERSION = '0.1.0';
