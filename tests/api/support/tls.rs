//! Throw-away TLS for the service tests: a CA and a server certificate made with rcgen,
//! and servers of their own on free ports in temp dirs (redis-server with --tls-port,
//! a PostgreSQL cluster with ssl=on), stopped when dropped.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use super::smtp::free_port;

/// A CA of its own and a certificate it signed for `localhost` and 127.0.0.1, as PEM files.
pub struct TestCa {
    /// The CA certificate: what a client must trust.
    pub ca_file: PathBuf,
    /// The server's certificate and key.
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCa {
    /// Writes `{name}-ca.pem`, `{name}-server.pem` and `{name}-server.key` into `dir`.
    pub fn new(dir: &Path, name: &str) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("Roster test CA {name}"));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let mut server_params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

        let ca = Self {
            ca_file: dir.join(format!("{name}-ca.pem")),
            cert_file: dir.join(format!("{name}-server.pem")),
            key_file: dir.join(format!("{name}-server.key")),
            cert_pem: server_cert.pem(),
            key_pem: server_key.serialize_pem(),
        };
        std::fs::write(&ca.ca_file, ca_cert.pem()).unwrap();
        std::fs::write(&ca.cert_file, &ca.cert_pem).unwrap();
        std::fs::write(&ca.key_file, &ca.key_pem).unwrap();
        // PostgreSQL refuses a key others may read.
        set_mode(&ca.key_file, 0o600);
        ca
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Says a program is missing: in CI (CI=true) the test fails, since .ci/run installs
/// it; elsewhere the test is skipped with the reason printed.
pub fn missing(program: &str, package: &str) {
    let message = format!("{program} not found (Debian package {package})");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}: .ci/run should have installed it");
    }
    eprintln!("skipped: {message}");
}

/// `name` on the PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Waits until something accepts connections on the loopback port, or panics with `log`.
fn wait_for_port(port: u16, child: &mut Child, log: &Path) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        let exited = child.try_wait().unwrap();
        if exited.is_some() || started.elapsed() > Duration::from_secs(20) {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("the server did not come up on port {port} ({exited:?}):\n{log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A redis-server that speaks only TLS (no plain port), with `ca`'s server certificate.
pub struct TlsRedis {
    pub port: u16,
    child: Child,
}

impl TlsRedis {
    /// Starts one in `dir`; None when redis-server is not installed (see [`missing`]).
    pub fn start(ca: &TestCa, dir: &Path) -> Option<Self> {
        let Some(program) = on_path("redis-server") else {
            missing("redis-server", "redis-server");
            return None;
        };
        let port = free_port();
        let log = dir.join("redis.log");
        let path = |p: &Path| p.display().to_string();
        let mut child = Command::new(program)
            .args(["--port", "0", "--tls-port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--tls-cert-file",
                &path(&ca.cert_file),
                "--tls-key-file",
                &path(&ca.key_file),
            ])
            .args(["--tls-ca-cert-file", &path(&ca.ca_file), "--tls-auth-clients", "no"])
            .args(["--save", "", "--appendonly", "no", "--dir", &path(dir)])
            .args(["--logfile", &path(&log)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        wait_for_port(port, &mut child, &log);
        Some(Self { port, child })
    }

    /// Its `redis_url`.
    pub fn url(&self) -> String {
        format!("rediss://localhost:{}/0", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL cluster of its own that takes only TLS connections over TCP
/// (`hostnossl … reject`), with `ca`'s server certificate; user `postgres`, trust.
pub struct TlsPostgres {
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
}

/// The newest PostgreSQL's programs: Debian's /usr/lib/postgresql/N/bin, else the PATH.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .or_else(|| on_path("initdb")?.parent().map(Path::to_owned))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Runs a PostgreSQL program; as root through `runuser -u postgres` (initdb and the
/// server refuse to run as root).
fn pg_command(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TlsPostgres {
    /// Creates and starts a cluster in `dir` (which it takes over); None when PostgreSQL's
    /// server programs are not installed (see [`missing`]).
    pub fn start(ca: &TestCa, dir: &Path) -> Option<Self> {
        let Some(bin) = postgres_bin() else {
            missing("initdb (PostgreSQL server)", "postgresql");
            return None;
        };
        if is_root() {
            // The temp dir is root's; the server runs as postgres.
            let mut chown = Command::new("chown");
            chown.args(["-R", "postgres:postgres"]).arg(dir);
            run(chown, "chown");
        }
        let data = dir.join("data");
        let mut initdb = pg_command(&bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        run(initdb, "initdb");
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all all reject\n",
        )
        .unwrap();
        let port = free_port();
        let conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\nfsync = off\n",
            dir = dir.display(),
            cert = ca.cert_file.display(),
            key = ca.key_file.display(),
        );
        let mut postgresql_conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap();
        std::io::Write::write_all(&mut postgresql_conf, conf.as_bytes()).unwrap();
        let mut start = pg_command(&bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("postgres.log"))
            .args(["-w", "-t", "30", "start"]);
        start.stdout(Stdio::null());
        let started = start.status().expect("pg_ctl runs").success();
        if !started {
            let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
            panic!("PostgreSQL did not start:\n{log}");
        }
        Some(Self { port, bin, data })
    }

    /// A URL for database `postgres` on it, with these query parameters.
    pub fn url(&self, query: &str) -> String {
        format!("postgres://postgres@localhost:{}/postgres?{query}", self.port)
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let mut stop = pg_command(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(&self.data).args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}
