module github.com/mindra/libmindra/bindings/go

go 1.24
