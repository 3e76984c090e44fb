//go:build !mindra_pkgconfig && !mindra_external

package mindra

// The default: link the static libmindra built in this checkout (cargo build --release -p
// mindra, or make build), so Go programs need no libmindra.so at run time. The libraries
// after the archive are what rustc reports it needs (cargo rustc --release -p mindra --lib
// --crate-type staticlib -- --print native-static-libs); make test-go checks that they still
// match target/release/mindra-native-static-libs.txt.
//
// Other ways to link, for a copy of this module outside the checkout (see README.md):
//   -tags mindra_pkgconfig  an installed libmindra found through pkg-config (mindra.pc)
//   -tags mindra_external   no flags from here: set CGO_CFLAGS and CGO_LDFLAGS yourself

/*
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libmindra.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
