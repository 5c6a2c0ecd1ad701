#!/bin/bash
# run-in-vm.sh - run a command inside a throwaway qemu VM (Debian kernel,
# busybox initramfs) and report its output and exit status.
#
# Why: the CI host kernel cannot exec i386 programs (IA32 emulation is off),
# so i386 tests run under Debian's stock linux-image-amd64 in qemu (TCG).
#
# Usage: run-in-vm.sh [--timeout SECS] [--mem MB] [--split] STAGEDIR -- COMMAND [ARGS...]
#
#   STAGEDIR is copied (symlinks dereferenced) to /t inside the VM; COMMAND
#   runs there as root with cwd /t and stdin /dev/null; PATH is the usual
#   system dirs plus /t at the end.  COMMAND's stdout and stderr (merged, in
#   order) are printed on stdout, byte-exact; with --split its stderr goes to
#   stderr instead (then the relative order of the two is lost).  Inside the
#   VM stdout/stderr are pipes, not a tty, as under "make check".
#
# Exit status: COMMAND's status (128+N if killed by signal N); 77 if the VM
# cannot be set up at all (automake SKIP); 99 if the VM boots but never
# reports the command's end (crash, panic, timeout); 2 on usage errors.
#
# Environment:
#   MEMTRACE_VM_CACHE   kernel cache dir (default $HOME/.cache/memtrace-vm)
#   MEMTRACE_VM_KERNEL  boot this kernel (bzImage or PVH vmlinux) instead of
#                       Debian's linux-image-amd64 ...
#   MEMTRACE_VM_MODULES ... with virtio*.ko from this dir (else slow serial)
#   MEMTRACE_VM_SUITE   take linux-image-amd64 from this Debian suite of
#                       deb.debian.org instead of the system's sources (e.g.
#                       bookworm-backports, for a newer kernel); its package
#                       lists live in the cache, apart from the system's
#   MEMTRACE_VM_ACCEL   qemu accelerator(s), e.g. "tcg" or "kvm:tcg"
#                       (default: kvm:tcg if /dev/kvm is usable, else tcg)
#   MEMTRACE_VM_CPU     qemu -cpu model (default max)
#   MEMTRACE_VM_KEEP=1  keep the temporary work dir (printed on stderr)
#   MEMTRACE_VM_DEBUG=1 verbose kernel; copy the whole console log to stderr
set -eu
set -o pipefail

prog=${0##*/}

usage() {
    echo "usage: $prog [--timeout SECS] [--mem MB] [--split] STAGEDIR -- COMMAND [ARGS...]" >&2
    exit 2
}
skip() { echo "$prog: SKIP: $*" >&2; exit 77; }
hard() { echo "$prog: ERROR: $*" >&2; exit 99; }

# ---------------------------------------------------------------- arguments
timeout_s=300
mem_mb=512
split=0
while [ $# -gt 0 ]; do
    case $1 in
        --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
        --timeout=*) timeout_s=${1#*=}; shift ;;
        --mem) [ $# -ge 2 ] || usage; mem_mb=$2; shift 2 ;;
        --mem=*) mem_mb=${1#*=}; shift ;;
        --split) split=1; shift ;;
        -h|--help) usage ;;
        --) usage ;;
        -*) echo "$prog: unknown option: $1" >&2; usage ;;
        *) break ;;
    esac
done
[ $# -ge 3 ] && [ "$2" = "--" ] || usage
stagedir=$1
shift 2
case $timeout_s in ''|*[!0-9]*) echo "$prog: --timeout needs a number" >&2; usage ;; esac
case $mem_mb in ''|*[!0-9]*) echo "$prog: --mem needs a number" >&2; usage ;; esac
[ -d "$stagedir" ] || { echo "$prog: STAGEDIR '$stagedir' is not a directory" >&2; exit 2; }

# ---------------------------------------------------------------- prerequisites
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
command -v cpio >/dev/null 2>&1 || skip "cpio not found (apt-get install cpio)"
command -v timeout >/dev/null 2>&1 || skip "timeout (coreutils) not found"

# The busybox inside the VM must be static: the image has no 64-bit libc
# unless some staged program happens to need it.
busybox=
for b in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
    [ -n "$b" ] && [ -x "$b" ] || continue
    if ! LC_ALL=C ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || skip "static busybox not found (apt-get install busybox-static)"

# ---------------------------------------------------------------- temp + cleanup
work=
dl=
qpid=
cleanup() {
    if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; fi
    [ -z "$dl" ] || rm -rf "$dl"
    if [ -n "$work" ]; then
        if [ "${MEMTRACE_VM_KEEP:-0}" = 1 ]; then echo "$prog: kept $work" >&2
        else rm -rf "$work"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
work=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-vm.XXXXXX") || skip "cannot create temp dir"

# ---------------------------------------------------------------- kernel
# Debian's kernel .deb is fetched with apt-get download (no root needed); only
# boot/vmlinuz-VER and the few virtio modules used for the output channel are
# kept.  Everything is written to a private temp dir in the cache and renamed
# into place, so concurrent runs never see half-written files.
if [ -n "${MEMTRACE_VM_CACHE:-}" ]; then cache=$MEMTRACE_VM_CACHE
elif [ -n "${HOME:-}" ]; then cache=$HOME/.cache/memtrace-vm
else cache=/tmp/memtrace-vm-cache-$(id -u); fi

# virtio-serial gives ~60 MB/s of output versus ~0.3 MB/s for the emulated
# 8250 UART (one host write() per byte), but Debian builds it as modules.
# Listed in load order.
vmods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console"
vmod_path() {  # MODULE VER: path of MODULE inside the kernel .deb
    case $1 in
        virtio_console) echo "./lib/modules/$2/kernel/drivers/char/$1.ko" ;;
        *) echo "./lib/modules/$2/kernel/drivers/virtio/$1.ko" ;;
    esac
}

# apt_opts: what apt-get and apt-cache are given: nothing, or for
# MEMTRACE_VM_SUITE a sources list and package lists of its own in the cache
# (fetched once a day; no root needed).
apt_opts=()
suite_tag=
if [ -n "${MEMTRACE_VM_SUITE:-}" ]; then
    suite_tag=-$MEMTRACE_VM_SUITE
    suite_dir=$cache/apt$suite_tag
    apt_opts=(-o "Dir::Etc::sourcelist=$suite_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
              -o "Dir::State::Lists=$suite_dir/lists" -o "Dir::Cache=$suite_dir/cache"
              -o Debug::NoLocking=1)
fi
suite_lists() {
    [ -n "$suite_tag" ] || return 0
    mkdir -p "$suite_dir/lists/partial" "$suite_dir/cache/archives/partial" 2>/dev/null ||
        skip "cannot create $suite_dir"
    echo "deb http://deb.debian.org/debian $MEMTRACE_VM_SUITE main" >"$suite_dir/sources.list"
    if [ -z "$(find "$suite_dir/lists" -name '*_Packages' -mmin -1440 2>/dev/null)" ]; then
        apt-get -q "${apt_opts[@]}" update >"$suite_dir/update.log" 2>&1 ||
            { tail -n 3 "$suite_dir/update.log" >&2; skip "cannot fetch $MEMTRACE_VM_SUITE's package lists"; }
    fi
}

# resolve_pkg: set pkg to the image package linux-image-amd64 depends on.
# apt-cache takes >1 s when apt keeps no binary cache (Docker images), so the
# answer is remembered for a day.
resolve_pkg() {
    local namefile=$cache/linux-image$suite_tag.pkg tmp
    pkg=
    if [ -s "$namefile" ] && [ -n "$(find "$namefile" -mmin -1440 2>/dev/null)" ]; then
        pkg=$(cat "$namefile"); return 0
    fi
    suite_lists
    pkg=$(LC_ALL=C apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null |
          awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }') || pkg=
    if [ -n "$pkg" ]; then
        if mkdir -p "$cache" 2>/dev/null && tmp=$(mktemp "$cache/.pkg.XXXXXX" 2>/dev/null); then
            { echo "$pkg" >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$namefile"; } || rm -f "$tmp"
        fi
    elif [ -s "$namefile" ]; then
        pkg=$(cat "$namefile")      # apt metadata gone: keep the last answer
    fi
}

# download_kernel PKG VER: put vmlinuz-VER and modules-VER/ into the cache.
download_kernel() {
    local pkg=$1 ver=$2 log deb m
    local -a members
    command -v apt-get >/dev/null 2>&1 || skip "apt-get not found; cannot fetch $pkg"
    command -v dpkg-deb >/dev/null 2>&1 || skip "dpkg-deb not found; cannot unpack $pkg"
    mkdir -p "$cache" || skip "cannot create kernel cache dir $cache"
    dl=$(mktemp -d "$cache/.download.XXXXXX") || skip "cannot write to kernel cache dir $cache"
    log=$dl/apt.log
    echo "$prog: downloading $pkg into $cache (once)" >&2
    if ! (cd "$dl" && apt-get "${apt_opts[@]}" download "$pkg") >"$log" 2>&1; then
        # Stale package lists are the usual cause; refreshing needs root.
        (apt-get "${apt_opts[@]}" update && cd "$dl" && apt-get "${apt_opts[@]}" download "$pkg") \
            >>"$log" 2>&1 ||
            { tail -n 5 "$log" >&2; skip "cannot download $pkg with apt-get"; }
    fi
    for deb in "$dl"/*.deb; do break; done
    [ -f "$deb" ] || skip "apt-get download produced no .deb for $pkg"
    members=("./boot/vmlinuz-$ver")
    for m in $vmods; do members+=("$(vmod_path "$m" "$ver")"); done
    # Missing modules (a future kernel may compress them) only cost speed.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dl" "${members[@]}" 2>>"$log" || true
    [ -s "$dl/boot/vmlinuz-$ver" ] || { tail -n 3 "$log" >&2; skip "no ./boot/vmlinuz-$ver in $deb"; }
    mkdir "$dl/modules"
    for m in $vmods; do
        [ -f "$dl/$(vmod_path "$m" "$ver")" ] || { rm -f "$dl/modules/"*; break; }
        mv "$dl/$(vmod_path "$m" "$ver")" "$dl/modules/"
    done
    chmod 755 "$dl/modules"
    # modules-VER may exist, possibly empty (= none usable): then keep it.
    mv -T "$dl/modules" "$cache/modules-$ver" 2>/dev/null || true
    mv -f "$dl/boot/vmlinuz-$ver" "$cache/vmlinuz-$ver" || skip "cannot move kernel into $cache"
    rm -rf "$dl"
    dl=
}

# unpack_kernel VMLINUZ OUT: Debian's bzImage is xz-compressed, and its
# decompressor alone takes ~3 s under TCG.  The raw vmlinux inside is an ELF
# with a PVH entry note (CONFIG_PVH=y), which qemu -kernel boots directly, so
# unpack it once with the host's xz.  Failure is harmless: the bzImage is used.
unpack_kernel() {
    local in=$1 out=$2 off tmp
    command -v xz >/dev/null 2>&1 || return 0
    # (|| true: head/xz stop reading early, which must not trip pipefail.)
    off=$({ LC_ALL=C grep -a -b -o -m 1 -P '\xfd7zXZ\x00' "$in" || true; } | head -n 1 | cut -d: -f1)
    [ -n "$off" ] || return 0
    tmp=$(mktemp "$cache/.vmlinux.XXXXXX") || return 0
    if { tail -c +"$((off + 1))" "$in" || true; } | xz -dc --single-stream >"$tmp" 2>/dev/null &&
       [ "$(od -An -tx1 -N4 "$tmp" | tr -d ' \n')" = 7f454c46 ] &&
       LC_ALL=C grep -a -q -P '\x12\x00\x00\x00Xen\x00' "$tmp"; then
        chmod 644 "$tmp" && mv -f "$tmp" "$out"
    else
        rm -f "$tmp"
    fi
    return 0
}

get_kernel() {
    local ver
    if [ -n "${MEMTRACE_VM_KERNEL:-}" ]; then
        [ -r "$MEMTRACE_VM_KERNEL" ] || skip "MEMTRACE_VM_KERNEL=$MEMTRACE_VM_KERNEL is not readable"
        kernel=$MEMTRACE_VM_KERNEL
        moddir=${MEMTRACE_VM_MODULES:-}
        return
    fi
    resolve_pkg
    if [ -n "$pkg" ]; then
        ver=${pkg#linux-image-}
    elif [ -n "$suite_tag" ]; then
        skip "cannot resolve linux-image-amd64 in $MEMTRACE_VM_SUITE"
    else
        # No apt metadata at all (offline box): use the newest cached kernel.
        ver=$(cd "$cache" 2>/dev/null && ls -1 vmlinuz-* 2>/dev/null | sort -V | tail -n 1) || ver=
        [ -n "$ver" ] || skip "cannot resolve linux-image-amd64 (apt-cache depends) and no kernel cached in $cache"
        ver=${ver#vmlinuz-}
    fi
    if [ ! -s "$cache/vmlinuz-$ver" ] || { [ -n "$pkg" ] && [ ! -d "$cache/modules-$ver" ]; }; then
        download_kernel "$pkg" "$ver"
    fi
    [ -s "$cache/vmlinux-$ver" ] || unpack_kernel "$cache/vmlinuz-$ver" "$cache/vmlinux-$ver"
    if [ -s "$cache/vmlinux-$ver" ]; then kernel=$cache/vmlinux-$ver
    else kernel=$cache/vmlinuz-$ver; fi
    moddir=$cache/modules-$ver
}
kernel=
moddir=
pkg=
get_kernel

# ---------------------------------------------------------------- initramfs
root=$work/root
mkdir -p "$root"

# add_path HOSTPATH: copy HOSTPATH into the image at the same path, recreating
# every symlink met on the way (e.g. /lib -> usr/lib, /lib32 -> usr/lib32 on
# merged-/usr hosts) and then the symlink targets, so that paths like
# /lib/ld-linux.so.2 resolve inside the VM exactly as on the host.
# Directories are created empty; regular files are copied.
add_path() {
    local path=$1 cur='' comp target abs
    local -a parts
    # Already there (e.g. libc needed by several programs): nothing to do.
    if [ -e "$root$path" ] || [ -L "$root$path" ]; then return 0; fi
    IFS=/ read -r -a parts <<<"${path#/}"
    for comp in "${parts[@]}"; do
        [ -n "$comp" ] && [ "$comp" != . ] || continue
        cur=$cur/$comp
        if [ -L "$cur" ]; then
            target=$(readlink "$cur")
            if [ ! -L "$root$cur" ] && [ ! -e "$root$cur" ]; then
                mkdir -p "$root${cur%/*}"
                ln -s "$target" "$root$cur"
                case $target in /*) abs=$target ;; *) abs=${cur%/*}/$target ;; esac
                # ${cur%/*} is already symlink-free, so lexical .. is correct.
                add_path "$(realpath -m -s "$abs")"
            fi
            # Continue below the symlink along its physical path.
            cur=$(readlink -f "$cur")
        elif [ -d "$cur" ]; then
            mkdir -p "$root$cur"
        elif [ -e "$cur" ]; then
            [ -e "$root$cur" ] || { mkdir -p "$root${cur%/*}"; cp -p "$cur" "$root$cur"; }
        else
            echo "$prog: warning: $path: $cur does not exist on the host" >&2
            return 0
        fi
    done
}

# add_libdir DIR: the top-level shared objects of DIR (not *.a/*.o, not
# gconv, not the multi-MB sanitizer runtimes) to keep the image small.
libdirs_done=" "
add_libdir() {
    local dir=$1 phys
    [ -e "$dir" ] || return 0
    add_path "$dir"
    phys=$(readlink -f "$dir")
    # On merged-/usr hosts /lib32 and /usr/lib32 are the same directory.
    case $libdirs_done in *" $phys "*) return 0 ;; esac
    libdirs_done="$libdirs_done$phys "
    (cd / && find "${phys#/}" -maxdepth 1 \( -type f -o -type l \) \
          \( -name '*.so' -o -name '*.so.*' \) \
          ! -name 'lib*san.so*' -print0 |
        cpio --null -pdmu --quiet "$root") || hard "copying $dir into the image failed"
}

# elf_kind FILE: set kind to i386 or x86_64 for such ELF files, else "".
# (Few forks: this runs for every executable in STAGEDIR.)
elf_kind() {
    local h
    kind=
    h=$(od -An -tx1 -N20 -- "$1" 2>/dev/null) || return 0
    h=${h//[$' \n']/}
    case $h in
        7f454c4601*) [ "${h:36:4}" = 0300 ] && kind=i386 ;;
        7f454c4602*) [ "${h:36:4}" = 3e00 ] && kind=x86_64 ;;
    esac
    return 0
}

# is_dynamic FILE: true if the ELF64 FILE has a PT_DYNAMIC program header
# (dynamic executables and shared objects; static-pie too, for which the
# loader then just says "statically linked").
is_dynamic() {
    local phoff ph phentsize phnum
    phoff=$(od -An -tu8 -j32 -N8 -- "$1")
    ph=$(od -An -tu2 -j54 -N4 -- "$1")          # e_phentsize, e_phnum
    read -r phentsize phnum <<<"$ph"
    phoff=${phoff// /}
    [ "$phentsize" -ge 4 ] && [ "$phnum" -ge 1 ] || return 1
    od -An -tu4 -v -w"$phentsize" -j"$phoff" -N$((phnum * phentsize)) -- "$1" |
        awk '$1 == 2 { found = 1 } END { exit !found }'
}

# i386 runtime: the loader at /lib/ld-linux.so.2 plus the 32-bit libdirs.
add_path /lib/ld-linux.so.2
add_libdir /lib32
add_libdir /usr/lib32
# Lets the 64-bit loader find libs that live outside its default dirs.
[ -e /etc/ld.so.cache ] && add_path /etc/ld.so.cache

# Shared libraries of staged dynamic x86_64 ELF files, found the way ldd does
# (LD_TRACE_LOADED_OBJECTS with the 64-bit loader, which unlike --list still
# lists the others when one is missing).  Libraries inside STAGEDIR itself
# (RUNPATH=$ORIGIN...) are staged already.
rtld64=/lib64/ld-linux-x86-64.so.2
[ -x "$rtld64" ] || rtld64=
stage_real=$(realpath "$stagedir")
while IFS= read -r -d '' f; do
    elf_kind "$f"
    [ "$kind" = x86_64 ] || continue
    is_dynamic "$f" || continue
    if [ -n "$rtld64" ]; then
        deps=$(LD_TRACE_LOADED_OBJECTS=1 "$rtld64" "$f" 2>&1) || deps=
    else
        deps=$(ldd "$f" 2>&1) || deps=
    fi
    [ -n "$deps" ] || echo "$prog: warning: cannot list the libraries of $f" >&2
    while read -r a b c _; do
        lib=
        if [ "$b" = "=>" ] && [ "${c#/}" != "$c" ]; then lib=$c
        elif [ "$b" = "=>" ] && [ "$c" = "not" ]; then
            echo "$prog: warning: $f needs $a, not found on the host" >&2
        elif [ "${a#/}" != "$a" ]; then lib=$a
        fi
        [ -n "$lib" ] || continue
        case $(realpath -m "$lib") in "$stage_real"/*) continue ;; esac
        add_path "$lib"
    done <<<"$deps"
done < <(find -L "$stagedir" -type f \( -perm -u+x -o -name '*.so*' \) -print0)

# Busybox; the applet symlinks are made by /init (busybox --install -s).
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
         "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/root" \
         "$root/etc" "$root/t"
cp "$busybox" "$root/bin/busybox"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# The payload.  Symlinks are dereferenced so callers can stage with ln -s.
cp -RL -- "$stagedir/." "$root/t/" || hard "copying $stagedir into the image failed"

# The virtio modules, if all are at hand (else /init uses serial ports).
have_vmods=0
if [ -n "$moddir" ]; then
    have_vmods=1
    for m in $vmods; do [ -r "$moddir/$m.ko" ] || have_vmods=0; done
    if [ "$have_vmods" = 1 ]; then
        mkdir -p "$root/lib/modules/memtrace-vm"
        for m in $vmods; do cp "$moddir/$m.ko" "$root/lib/modules/memtrace-vm/"; done
    fi
fi

# The command goes in a file, each word single-quoted for sh, rather than on
# the kernel command line, whose quoting is fragile.
{
    printf '# generated by %s\n' "$prog"
    for w in "$@"; do
        printf "'%s' " "${w//\'/\'\\\'\'}"
    done
    printf '\n'
} >"$root/memtrace-vm-cmd"

# Status lines on the console carry a per-run nonce so that nothing the
# command prints can be mistaken for them.
nonce=$$.$RANDOM$RANDOM
start_marker="@@MEMTRACE-VM-START-$nonce@@"
exit_marker="@@MEMTRACE-VM-EXIT-$nonce@@"
if [ "$split" = 1 ]; then errredir='2>/run/vm/err'; else errredir='2>&1'; fi

cat >"$root/init" <<INIT_EOF
#!/bin/busybox sh
# PID 1 in the VM: set up a minimal system, run the command with its output
# on dedicated channels, report its status on the console and power off.
# If this script dies the kernel panics; panic=-1 plus qemu -no-reboot then
# end the VM.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/t
export HOME=/root TERM=dumb
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run
# devtmpfs lacks the links udev would make.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname memtrace-vm

# Output channels: virtio-serial ports if the modules load, else the 2nd and
# 3rd UARTs in raw mode (no \\n -> \\r\\n).  The console (ttyS0) carries only
# kernel messages and our status lines.
chan=serial out=/dev/ttyS1 err=/dev/ttyS2
if [ -d /lib/modules/memtrace-vm ]; then
    for m in $vmods; do
        insmod /lib/modules/memtrace-vm/\$m.ko || break
    done
    i=0
    while [ ! -c /dev/vport0p2 ] && [ \$i -lt 100 ]; do usleep 20000; i=\$((i + 1)); done
    [ -c /dev/vport0p2 ] && chan=virtio out=/dev/vport0p1 err=/dev/vport0p2
fi
[ \$chan = serial ] && stty -F \$out raw -echo && stty -F \$err raw -echo

# The command writes into FIFOs relayed by cat: a virtio port can be opened
# only once, and this way /dev/stdout, /dev/stderr still work in the command.
mkdir -p /run/vm
mkfifo /run/vm/out /run/vm/err
cat /run/vm/out >\$out & c1=\$!
cat /run/vm/err >\$err & c2=\$!
exec 9>/run/vm/err   # keep err open so its cat ends even if unused

cd /t
echo "$start_marker \$chan"
sh /memtrace-vm-cmd </dev/null >/run/vm/out $errredir 9>&-
status=\$?
exec 9>&-
# At most a pipe buffer is left to relay, but background processes of the
# command may hold the pipes open: do not wait for them forever.
( sleep 5; kill \$c1 \$c2 ) 2>/dev/null &
wait \$c1
wait \$c2
echo "$exit_marker \$status"
sync
poweroff -f
INIT_EOF
chmod 755 "$root/init"

# Left uncompressed: gzip costs ~0.3 s on the host plus ~0.3 s of gunzip
# under TCG, while loading 12 MB more into guest memory is nearly free.
initrd=$work/initrd.cpio
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet -R 0:0) >"$initrd" ||
    hard "building the initramfs failed"

# ---------------------------------------------------------------- qemu
accel=${MEMTRACE_VM_ACCEL:-}
if [ -z "$accel" ]; then
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm:tcg; else accel=tcg; fi
fi
accel_args=()
IFS=: read -r -a accels <<<"$accel"
for a in "${accels[@]}"; do accel_args+=(-accel "$a"); done

# Debug mode lets printk through to the console.
klog="quiet loglevel=0"
[ "${MEMTRACE_VM_DEBUG:-0}" = 1 ] && klog="loglevel=7 earlyprintk=ttyS0"

# All guest output goes to files: clean bytes, no terminal mode games, no
# monitor multiplexing.  Both the virtio ports and the spare UARTs are always
# there; /init reports on the console which pair it used.
console=$work/console.log
qerr=$work/qemu.err
# run_qemu ACCEL-ARGS...: one boot; its exit status in rc.
run_qemu() {
    : >"$console"
    : >"$work/vout"; : >"$work/verr"; : >"$work/sout"; : >"$work/serr"
    timeout -k 5 "$timeout_s" qemu-system-x86_64 \
        -nodefaults -no-user-config -display none -monitor none \
        -no-reboot -nic none \
        "$@" -cpu "${MEMTRACE_VM_CPU:-max}" -smp 1 -m "$mem_mb" \
        -serial "file:$console" -serial "file:$work/sout" -serial "file:$work/serr" \
        -device virtio-serial-pci \
        -chardev "file,id=vout,path=$work/vout" -device virtserialport,chardev=vout,nr=1 \
        -chardev "file,id=verr,path=$work/verr" -device virtserialport,chardev=verr,nr=2 \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 $klog panic=-1 rdinit=/init" \
        </dev/null >"$qerr" 2>&1 &
    qpid=$!
    rc=0
    wait "$qpid" || rc=$?
    qpid=
}
run_qemu "${accel_args[@]}"
# A /dev/kvm that qemu cannot use (nested virtualization: a Firecracker
# guest's refuses MSR 0x10a and qemu aborts before the guest runs): the
# same boot under TCG, unless the accelerator was asked for.
if [ -z "${MEMTRACE_VM_ACCEL:-}" ] && [ "$accel" != tcg ] && [ ! -s "$console" ] &&
   [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]; then
    echo "$prog: qemu under $accel would not start ($(grep -m 1 -i error "$qerr" || head -n 1 "$qerr")): again under tcg" >&2
    run_qemu -accel tcg
fi

if [ "${MEMTRACE_VM_DEBUG:-0}" = 1 ]; then
    echo "--- console ($console)" >&2
    tr -d '\r' <"$console" >&2
    echo "--- end console" >&2
fi

# ---------------------------------------------------------------- result
clean=$work/console.clean
tr -d '\r' <"$console" >"$clean"
start=$(grep -a -x -m 1 -E -e "$start_marker (virtio|serial)" "$clean") || start=
end=$(grep -a -x -E -e "$exit_marker [0-9]+" "$clean" | tail -n 1) || end=

# The command's output, also when it did not finish (helps diagnosis).
case $start in
    *" virtio") cat "$work/vout"; [ "$split" = 0 ] || cat "$work/verr" >&2 ;;
    *" serial") cat "$work/sout"; [ "$split" = 0 ] || cat "$work/serr" >&2 ;;
esac

if [ -z "$end" ]; then
    if [ ! -s "$console" ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]; then
        # qemu itself would not start (bad kernel file, no host memory, ...).
        # (An early guest crash instead ends qemu with status 0.)
        sed -n '1,5p' "$qerr" >&2
        skip "qemu-system-x86_64 failed to start (exit $rc)"
    fi
    case $rc in
        124|137) echo "$prog: VM timed out after ${timeout_s}s" >&2 ;;
        *) echo "$prog: VM ended (qemu exit $rc) without reporting the command's exit status" >&2 ;;
    esac
    [ "${MEMTRACE_VM_DEBUG:-0}" = 1 ] ||
        echo "$prog: (set MEMTRACE_VM_DEBUG=1 to see kernel messages)" >&2
    echo "$prog: last 40 console lines:" >&2
    tail -n 40 "$clean" >&2
    if [ -s "$qerr" ]; then echo "$prog: qemu stderr:" >&2; tail -n 5 "$qerr" >&2; fi
    exit 99
fi
exit "${end##* }"
