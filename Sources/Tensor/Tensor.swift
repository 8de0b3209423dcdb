import CBLAS
import CHDF5
// Placeholder; the numerics core lands here.
public enum TensorModule {
    static func probe() { _ = kws_h5p_default(); _ = cblas_sdot(0, nil, 1, nil, 1) }
}
