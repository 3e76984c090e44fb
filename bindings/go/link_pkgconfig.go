//go:build mindra_pkgconfig

package mindra

// -tags mindra_pkgconfig: an installed libmindra (make install), found through its mindra.pc
// (set PKG_CONFIG_PATH for a non-standard prefix). pkg-config's Libs name -lmindra, which the
// linker resolves to libmindra.so when it is installed: the program then needs it at run time
// (in the loader's path, or an rpath through CGO_LDFLAGS=-Wl,-rpath,...). cgo cannot pass
// --static to pkg-config; for a static link use -tags mindra_external (README.md).

// #cgo pkg-config: mindra
import "C"
