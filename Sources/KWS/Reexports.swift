// The core modules KWS is built on (features and audio in DSP; kernels, packed models and the stream
// detector in Runtime): `import KWS` sees them as it did when they were part of it.
@_exported import DSP
@_exported import Runtime
