/* Plain `make` on a machine that lacks a build package (here uthash-dev
 * and libdw-dev, hidden by a dpkg-query that says they are not installed)
 * stops before compiling anything, names the missing packages and the one
 * command that installs them, instead of a compiler's "uthash.h: No such
 * file or directory".
 * setup: mkdir fake && printf '#!/bin/sh\nfor a in "$@"; do last=$a; done\ncase $last in uthash-dev|libdw-dev) exit 1 ;; esac\nexec /usr/bin/dpkg-query "$@"\n' > fake/dpkg-query && chmod +x fake/dpkg-query
 * run: shell PATH={tmp}/fake:$PATH make -C {root} B={tmp}/b 2>&1; echo make_exit=$?
 * report: none
 * expect: out_int('make_exit') == 2
 * expect: 'cannot build: these Debian packages are missing: uthash-dev libdw-dev' in stdout
 * expect: 'install them with:  sh scripts/install-deps build' in stdout
 * expect: 'apt-get install -y --no-install-recommends uthash-dev libdw-dev' in stdout
 * expect: 'No such file' not in stdout and not exists('b')
 */
int main(void) { return 0; }
