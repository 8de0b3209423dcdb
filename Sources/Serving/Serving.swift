import Hummingbird
import CMosquitto
public enum ServingModule { static func probe() { _ = mosquitto_lib_version(nil, nil, nil) } }
