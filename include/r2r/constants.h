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

/* DI level convention: every probe, and every DI handed to `r2r render`, is scaled
 * so its sample peak sits here before a recipe's input gain applies. The seed asks
 * for DI probes recorded with peaks between -12 and -6 dBFS; -9 is the middle. */
#define R2R_DI_PEAK_DBFS (-9.0)

/* Input-gain grid of the index (dB relative to the DI level above): the seed's
 * -12..+12 dB search range at 6 dB steps. Amp captures change character non-linearly
 * with level, so each capture is analysed at every point; between points the matcher
 * interpolates. Five points keep an index build to 5 renders per probe. */
#define R2R_INDEX_GAINS_DB {-12.0, -6.0, 0.0, 6.0, 12.0}
#define R2R_INDEX_N_GAINS 5

/* The seed's 6-band parametric EQ: band frequency ranges (Hz), gain and Q limits.
 * Band 0 is a low shelf, 1-4 peaking, 5 a high shelf. */
#define R2R_EQ_BANDS 6
#define R2R_EQ_RANGES_HZ {{80.0, 200.0}, {200.0, 500.0}, {500.0, 1500.0}, {1500.0, 3500.0}, {3500.0, 6000.0}, {6000.0, 12000.0}}
#define R2R_EQ_GAIN_MAX_DB 12.0
#define R2R_EQ_Q_MIN 0.5
#define R2R_EQ_Q_MAX 4.0

/* Cabinet IRs longer than this are refused (seconds); reverbs are a few seconds. */
#define R2R_IR_MAX_SECONDS 10.0

#endif
