// kws-device: the keyword spotter on a device (Embedded Swift; aarch64 Linux or a Cortex-M4 under QEMU).
//
//   kws-device infer  --model PACK [--json] [--list FILE] CLIP.wav...
//   kws-device listen --model PACK [--json] [FILE.wav | -]
//   kws-device info   --model PACK
//
// PACK is a packed model written by `kws-native pack`. See `kws-device --help` and docs/DEVICES.md.
import CDevicePlatform

kws_exit(Command.main())
