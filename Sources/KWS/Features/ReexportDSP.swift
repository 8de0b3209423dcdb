// The feature pipeline, the WAV decoder and the streaming features moved from KWS to the DSP module (the
// inference core); re-exported so that every `import KWS` keeps seeing them.
@_exported import DSP
