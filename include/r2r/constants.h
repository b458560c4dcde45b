/* Numbers that define Reference-to-Rig's behaviour, documented once.
 * Change them here, never as literals in the stages. */
#ifndef R2R_CONSTANTS_H
#define R2R_CONSTANTS_H

/* Internal processing rate of the whole pipeline (Hz). NAM's default rate too. */
#define R2R_SAMPLE_RATE 48000

/* Loudness target of preprocessing (LUFS, ITU-R BS.1770 integrated) and the
 * true-sample-free peak ceiling (dBFS) a normalization never exceeds. */
#define R2R_TARGET_LUFS (-18.0)
#define R2R_PEAK_CEILING_DBFS (-1.0)

/* Inputs longer than this are refused rather than exhausting memory (seconds). */
#define R2R_MAX_AUDIO_SECONDS (30.0 * 60.0)

/* Default processing block for NAM rendering (samples). */
#define R2R_NAM_DEFAULT_BLOCK 512

#endif
