# Herald — make run: start the daemon on etc/herald.dev.toml (state under ./var); make test: every test.
SWIFT ?= swift
CONFIG ?= etc/herald.dev.toml
PREFIX ?= /usr/local
DESTDIR ?=
BIN := .build/debug/herald
RELEASE_BIN := .build/release/herald

APT_PACKAGES := libcurl4-openssl-dev libssl-dev libsqlite3-dev pkg-config
TEST_APT_PACKAGES := $(APT_PACKAGES) python3 python3-pip nginx-light nghttp2-server nghttp2-client systemd postfix dovecot-imapd dovecot-pop3d postgresql strace chromium chromium-driver fonts-liberation
PIP_PACKAGES := standardwebhooks pytest cryptography aiosmtpd dkimpy pynacl prometheus_client h2 pyjwt http_ece 'httpx[http2]' selenium

.PHONY: run build release test unit-test integration-test bench deps test-deps install clean

deps:
	@scripts/ensure-deps.sh $(APT_PACKAGES)

test-deps:
	@scripts/ensure-deps.sh $(TEST_APT_PACKAGES)
	@python3 -c "import standardwebhooks, pytest, cryptography, aiosmtpd, dkim, nacl, prometheus_client, h2, jwt, http_ece, httpx, selenium" 2>/dev/null || python3 -m pip install -q $(PIP_PACKAGES) || python3 -m pip install -q --break-system-packages $(PIP_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: build
	@mkdir -p var
	@echo "herald: spool var/spool/incoming, outbox var/outbox, log var/log/delivery.log (Ctrl-C stops)"
	$(BIN) run --config $(CONFIG)

test: test-deps
	$(SWIFT) build
	$(SWIFT) test
	HERALD_BIN=$(CURDIR)/$(BIN) scripts/check-systemd.sh
	HERALD_BIN=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/IntegrationTests

unit-test: deps
	$(SWIFT) test

integration-test: test-deps build
	HERALD_BIN=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/IntegrationTests

bench: test-deps release
	@scripts/ensure-deps.sh wrk
	HERALD_BIN=$(CURDIR)/$(RELEASE_BIN) python3 Benchmarks/bench.py $(BENCH_ARGS)

install: release
	install -D -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/herald
	install -D -m 0644 systemd/herald.service $(DESTDIR)/etc/systemd/system/herald.service
	install -D -m 0644 systemd/herald.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/herald.conf
	install -D -m 0644 systemd/herald.sysusers $(DESTDIR)/usr/lib/sysusers.d/herald.conf
	install -d -m 0755 $(DESTDIR)/etc/herald/templates
	test -e $(DESTDIR)/etc/herald/herald.toml || install -m 0640 etc/herald.toml $(DESTDIR)/etc/herald/herald.toml
	cp -n etc/templates/* $(DESTDIR)/etc/herald/templates/ || true

clean:
	rm -rf .build var
