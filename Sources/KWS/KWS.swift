import CFFTW
public enum KWSModule { static func probe() { _ = fftwf_alloc_real(1) } }
