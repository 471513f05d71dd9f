# Installs the Debian packages the project needs, when missing (sourced by scripts/qi).
# The confluent connector's librdkafka binding builds from source where its prebuilt binary
# cannot be downloaded (offline machines), linked dynamically against these.
QI_DEBIAN_PACKAGES=(libssl-dev zlib1g-dev libzstd-dev libsasl2-dev python3 make g++)
qi_missing=()
for p in "${QI_DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || qi_missing+=("$p")
done
if [ ${#qi_missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    printf '[system-deps] installing %s\n' "${qi_missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${qi_missing[@]}" >&2
  else
    printf '[system-deps] please install: %s\n' "${qi_missing[*]}" >&2
  fi
fi
