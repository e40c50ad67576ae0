#!/usr/bin/env bash
# ./twinview images — builds every container image on this machine with podman, no registry needed:
#   1. jre: Debian bookworm + openjdk-17-jre-headless from Debian's packages (debootstrap, then
#      podman import); kept and reused once built, unless --rebuild-base
#   2. augment, trainer, eval, cli, kafka, s3proxy: each module's src/main/docker/Containerfile
#      FROM that base (or --base IMAGE), named localhost/twinview/<name>:<version>
# Needs podman and runc (and debootstrap and root for the base); the packaged modules
# (./mvnw -DskipTests package). Prints each step's time and a table of image sizes at the end.
# See docs/images.md.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
  cat <<'EOF'
usage: ./twinview images [--base IMAGE] [--rebuild-base] [NAME...]
  --base IMAGE     build FROM this JRE 17 image (e.g. docker.io/library/eclipse-temurin:17-jre)
                   instead of our Debian one; nothing is debootstrapped
  --rebuild-base   debootstrap the base image again even if localhost/twinview/jre exists
  NAME...          only these images (augment trainer eval cli kafka s3proxy); default all
Environment: TWINVIEW_DEBIAN_MIRROR (default: the mirror apt's sources name, else deb.debian.org)
EOF
}

all_names=(augment trainer eval cli kafka s3proxy)
base=""
rebuild_base=false
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) [ $# -ge 2 ] || { echo "images: --base needs an image name" >&2; exit 2; }; base="$2"; shift 2 ;;
    --base=*) base="${1#--base=}"; shift ;;
    --rebuild-base) rebuild_base=true; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "images: unknown option $1" >&2; usage >&2; exit 2 ;;
    *)
      if [[ " ${all_names[*]} " != *" $1 "* ]]; then
        echo "images: unknown image '$1' (one of: ${all_names[*]})" >&2; exit 2
      fi
      names+=("$1"); shift ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=("${all_names[@]}")

# the image tag is the project version without -SNAPSHOT (0.1.0-SNAPSHOT -> 0.1.0)
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$home/pom.xml" | head -1)
version="${version%-SNAPSHOT}"
registry="localhost/twinview"
jre_image="$registry/jre:$version"

# --- what must be there before anything starts -----------------------------------------------
need_tools=(podman runc)
build_base=false
if [ -z "$base" ]; then
  if [ "$rebuild_base" = true ] || ! { command -v podman >/dev/null 2>&1 \
      && CONTAINERS_CONF="${CONTAINERS_CONF:-$home/images/containers.conf}" podman image exists "$jre_image" 2>/dev/null; }; then
    build_base=true
    need_tools+=(debootstrap)
  fi
fi
missing=()
for tool in "${need_tools[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "images: missing ${missing[*]} (on Debian: apt-get install -y ${missing[*]})" >&2
  exit 1
fi
if [ "$build_base" = true ] && [ "$(id -u)" != 0 ]; then
  echo "images: building the base image $jre_image needs root (debootstrap chroots); run as root, or pass --base IMAGE" >&2
  exit 1
fi

declare -A context=(
  [augment]=augment-service [trainer]=trainer-service [eval]=eval-service
  [cli]=cli [kafka]=stack [s3proxy]=stack)
declare -A containerfile=(
  [augment]=augment-service/src/main/docker/Containerfile
  [trainer]=trainer-service/src/main/docker/Containerfile
  [eval]=eval-service/src/main/docker/Containerfile
  [cli]=cli/src/main/docker/Containerfile
  [kafka]=stack/src/main/docker/kafka/Containerfile
  [s3proxy]=stack/src/main/docker/s3proxy/Containerfile)
declare -A input=(
  [augment]=augment-service/target/quarkus-app/quarkus-run.jar
  [trainer]=trainer-service/target/quarkus-app/quarkus-run.jar
  [eval]=eval-service/target/quarkus-app/quarkus-run.jar
  [cli]=cli/target/twinview-cli.jar
  [kafka]=stack/target/classes/io/twinview/stack/kafka.classpath
  [s3proxy]=stack/target/classes/io/twinview/stack/stack.properties)
for name in "${names[@]}"; do
  if [ ! -f "$home/${input[$name]}" ]; then
    echo "images: ${input[$name]} is missing; build first: ./mvnw -DskipTests package (or ./twinview build)" >&2
    exit 1
  fi
done

# the podman settings these machines need (images/containers.conf), unless the caller chose a file
export CONTAINERS_CONF="${CONTAINERS_CONF:-$home/images/containers.conf}"
work="$home/target/images"
mkdir -p "$work"

declare -A seconds=()
# the images a new build took the tag from: removed at the end, so rebuilds leave no <none> images
replaced=()
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- 1. the base JRE image ----------------------------------------------------------------------
debian_mirror() {
  if [ -n "${TWINVIEW_DEBIAN_MIRROR:-}" ]; then echo "$TWINVIEW_DEBIAN_MIRROR"; return; fi
  # the first main-archive mirror apt uses (deb822 "URIs:" or one-line "deb URL suite"), not -security
  local found
  found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ { print $2 } /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }' \
    | grep -E '/debian/?$' | head -1 || true)
  echo "${found:-http://deb.debian.org/debian}"
}

build_jre() {
  local rootfs="$work/jre-rootfs" mirror start java_home
  mirror=$(debian_mirror)
  rm -rf "$rootfs"
  echo "images: debootstrap bookworm + openjdk-17-jre-headless from $mirror (about 2 minutes)..."
  start=$(now)
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1 \
    || { echo "images: debootstrap failed; see $work/debootstrap.log" >&2; tail -5 "$work/debootstrap.log" >&2; exit 1; }
  seconds[debootstrap]=$(elapsed "$start")
  # an image needs no package lists, .debs, manuals or translations (copyright files stay)
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
  java_home=$(cd "$rootfs" && ls -d usr/lib/jvm/java-17-openjdk-* | head -1)
  replaced+=("$(image_id "$jre_image")")
  start=$(now)
  tar -C "$rootfs" --numeric-owner -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "ENV JAVA_HOME=/$java_home" \
    --message "Debian bookworm minbase + openjdk-17-jre-headless (debootstrap from $mirror)" \
    - "$jre_image" >"$work/import.log" 2>&1 \
    || { echo "images: podman import failed; see $work/import.log" >&2; tail -5 "$work/import.log" >&2; exit 1; }
  seconds[import]=$(elapsed "$start")
  rm -rf "$rootfs"
  echo "images: $jre_image built (debootstrap ${seconds[debootstrap]} s, import ${seconds[import]} s)"
}

if [ -n "$base" ]; then
  if ! podman image exists "$base"; then
    echo "images: pulling the base image $base"
    podman pull "$base" >"$work/pull.log" 2>&1 \
      || { echo "images: the base image $base is not here and could not be pulled; see $work/pull.log" >&2; exit 1; }
  fi
  echo "images: building on $base"
elif [ "$build_base" = false ]; then
  echo "images: reusing $jre_image (--rebuild-base to debootstrap it again)"
  base="$jre_image"
else
  build_jre
  base="$jre_image"
fi

# --- 2. what the dev-stack images copy: the jars the stack module recorded at build time ---------
stage_kafka() {
  local lib="$home/stack/target/images/kafka-lib" jar
  rm -rf "$lib" && mkdir -p "$lib"
  # the broker's classpath (dependency:build-classpath, see stack/pom.xml) plus the stack's own jar,
  # which holds KafkaBrokerMain and kafka-log4j2.properties
  local -a classpath
  IFS=: read -r -a classpath <"$home/stack/target/classes/io/twinview/stack/kafka.classpath" || true
  for jar in "${classpath[@]}"; do
    [ -f "$jar" ] || { echo "images: $jar (kafka.classpath) is missing; ./mvnw -DskipTests package" >&2; exit 1; }
    cp "$jar" "$lib/"
  done
  jar=$(find "$home/stack/target" -maxdepth 1 -name 'twinview-stack-*.jar' ! -name '*-tests.jar' | head -1)
  [ -n "$jar" ] || { echo "images: stack/target/twinview-stack-*.jar is missing; ./mvnw -DskipTests package" >&2; exit 1; }
  cp "$jar" "$lib/"
}
stage_s3proxy() {
  local dir="$home/stack/target/images/s3proxy" jar
  jar=$(sed -n 's/^s3proxy.jar=//p' "$home/stack/target/classes/io/twinview/stack/stack.properties")
  [ -f "$jar" ] || { echo "images: the S3Proxy jar $jar is missing; ./mvnw -DskipTests package" >&2; exit 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$jar" "$dir/s3proxy.jar"
}

# --- 3. the images --------------------------------------------------------------------------------
for name in "${names[@]}"; do
  case "$name" in
    kafka) stage_kafka ;;
    s3proxy) stage_s3proxy ;;
  esac
  image="$registry/$name:$version"
  replaced+=("$(image_id "$image")")
  echo "images: building $image from ${containerfile[$name]}"
  start=$(now)
  podman build --isolation chroot --build-arg "BASE=$base" \
    --label "org.opencontainers.image.version=$version" \
    -f "$home/${containerfile[$name]}" -t "$image" "$home/${context[$name]}" >"$work/build-$name.log" 2>&1 \
    || { echo "images: building $image failed; see $work/build-$name.log" >&2; tail -20 "$work/build-$name.log" >&2; exit 1; }
  seconds[$name]=$(elapsed "$start")
done

# services first, then the base they were built on; an image a container still uses stays
for ((i = ${#replaced[@]} - 1; i >= 0; i--)); do
  id="${replaced[$i]}"
  if [ -n "$id" ] && [ -z "$(podman image inspect --format '{{join .RepoTags ","}}' "$id" 2>/dev/null)" ]; then
    podman rmi "$id" >/dev/null 2>&1 || true
  fi
done

# --- 4. what was built ----------------------------------------------------------------------------
echo
printf '%-34s %9s %9s\n' IMAGE SIZE BUILD
print_row() {
  local size
  size=$(podman image inspect --format '{{.Size}}' "$1")
  printf '%-34s %6d MB %9s\n' "$1" $((size / 1000000)) "$2"
}
if [[ "$base" == "$jre_image" ]]; then
  built="reused"
  if [ -n "${seconds[debootstrap]:-}" ]; then
    built=$(awk -v a="${seconds[debootstrap]}" -v b="${seconds[import]}" 'BEGIN { printf "%.1f s", a + b }')
  fi
  print_row "$jre_image" "$built"
else
  print_row "$base" "(--base)"
fi
for name in "${names[@]}"; do print_row "$registry/$name:$version" "${seconds[$name]} s"; done
echo "(sizes as podman reports them, the base's layer included; the base is shared, not copied)"
