//! The loaded tenants, and reloading them while the server runs (SIGHUP).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::tenant::{env_prefix, load_tenant_text, read_tenant_file, slug_of, tenant_files, Tenant};
use super::{ConfigError, EnvOverrides};

/// What a reload did.
#[derive(Debug, Default)]
pub struct ReloadReport {
    /// Tenants added, or whose file (or environment overrides) changed, sorted.
    pub loaded: Vec<String>,
    /// Tenants whose file is gone, sorted.
    pub removed: Vec<String>,
    /// Problems of files that failed: their tenant keeps its previous configuration.
    pub rejected: Vec<ConfigError>,
}

/// A tenant and a fingerprint of what it was built from, so that a reload skips
/// (and does not re-hash the default password of) a tenant that did not change.
struct Loaded {
    tenant: Arc<Tenant>,
    source: u64,
}

/// Every tenant, by slug. Read once per request (a read lock and an `Arc` clone);
/// replaced tenant by tenant on reload.
pub struct TenantRegistry {
    dir: PathBuf,
    env: EnvOverrides,
    tenants: RwLock<HashMap<String, Loaded>>,
    /// One reload at a time: SIGHUP and `check-config` may come together.
    reloading: Mutex<()>,
}

impl TenantRegistry {
    /// Loads `<dir>/tenants/*.toml`; at startup any bad file is an error.
    pub fn load(dir: &Path, env: EnvOverrides) -> Result<TenantRegistry, Vec<ConfigError>> {
        let (mut tenants, mut errors) = (HashMap::new(), Vec::new());
        for path in tenant_files(dir).map_err(|e| vec![e])? {
            match load_file(&path, env) {
                Ok(loaded) => {
                    tenants.insert(loaded.tenant.slug.clone(), loaded);
                }
                Err(mut errs) => errors.append(&mut errs),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TenantRegistry {
            dir: dir.to_owned(),
            env,
            tenants: RwLock::new(tenants),
            reloading: Mutex::new(()),
        })
    }

    /// The configuration folder the tenants come from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A tenant by slug.
    pub fn get(&self, slug: &str) -> Option<Arc<Tenant>> {
        self.read().get(slug).map(|l| Arc::clone(&l.tenant))
    }

    /// Every tenant, sorted by slug.
    pub fn all(&self) -> Vec<Arc<Tenant>> {
        let mut all: Vec<Arc<Tenant>> = self.read().values().map(|l| Arc::clone(&l.tenant)).collect();
        all.sort_by(|a, b| a.slug.cmp(&b.slug));
        all
    }

    /// Re-reads the folder: new and changed files that pass validation replace their
    /// tenant, bad ones leave the previous configuration in force, and tenants whose
    /// file is gone are removed. Blocking (file reads, argon2 for a changed default password).
    pub fn reload(&self) -> ReloadReport {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(PoisonError::into_inner);
        let mut report = ReloadReport::default();
        let folder = self.dir.join("tenants");
        // A folder that vanished (a deploy swapping directories, a typo) is more likely
        // a mistake than a wish to drop every tenant at once.
        if !folder.is_dir() {
            let message = "is missing or not a folder; the tenants stay as they were";
            report.rejected.push(ConfigError::new(&folder, "(folder)", message));
            return report;
        }
        let paths = match tenant_files(&self.dir) {
            Ok(paths) => paths,
            Err(error) => {
                report.rejected.push(error);
                return report;
            }
        };
        let current: HashMap<String, u64> = self.read().iter().map(|(slug, l)| (slug.clone(), l.source)).collect();
        let mut present = HashSet::new();
        let mut fresh = Vec::new();
        for path in paths {
            let slug = slug_of(&path).map(str::to_owned);
            if let Some(slug) = &slug {
                present.insert(slug.clone());
            }
            let text = match read_tenant_file(&path) {
                Ok(text) => text,
                Err(mut errors) => {
                    report.rejected.append(&mut errors);
                    continue;
                }
            };
            let source = source_of(&path, &text, self.env);
            if slug.is_some_and(|slug| current.get(&slug) == Some(&source)) {
                continue;
            }
            match load_text(&path, &text, source, self.env) {
                Ok(loaded) => fresh.push(loaded),
                Err(mut errors) => report.rejected.append(&mut errors),
            }
        }

        let mut tenants = self.write();
        tenants.retain(|slug, _| {
            let keep = present.contains(slug);
            if !keep {
                report.removed.push(slug.clone());
            }
            keep
        });
        for loaded in fresh {
            report.loaded.push(loaded.tenant.slug.clone());
            tenants.insert(loaded.tenant.slug.clone(), loaded);
        }
        report.removed.sort();
        report
    }

    // A panic elsewhere cannot leave the map half-written (writes are single inserts
    // and removals), so a poisoned lock is still safe to use.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, Loaded>> {
        self.tenants.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, Loaded>> {
        self.tenants.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Reads, fingerprints and loads one tenant file.
fn load_file(path: &Path, env: EnvOverrides) -> Result<Loaded, Vec<ConfigError>> {
    let text = read_tenant_file(path)?;
    load_text(path, &text, source_of(path, &text, env), env)
}

fn load_text(path: &Path, text: &str, source: u64, env: EnvOverrides) -> Result<Loaded, Vec<ConfigError>> {
    let tenant = load_tenant_text(path, text, env)?;
    Ok(Loaded {
        tenant: Arc::new(tenant),
        source,
    })
}

/// A fingerprint of everything a tenant is built from: the file, its environment
/// overrides, and whether it has a templates folder. Only compared within this process.
fn source_of(path: &Path, text: &str, env: EnvOverrides) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    path.with_extension("").join("templates").is_dir().hash(&mut hasher);
    if let (EnvOverrides::Process, Some(slug)) = (env, slug_of(path)) {
        let prefix = env_prefix(slug);
        let mut vars: Vec<(String, String)> = std::env::vars_os()
            .map(|(k, v)| (k.to_string_lossy().to_uppercase(), v.to_string_lossy().into_owned()))
            .filter(|(k, _)| k.starts_with(&prefix))
            .collect();
        vars.sort();
        vars.hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACME: &str = "name = \"Acme\"\ndefault_locale = \"fr\"\n";

    fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("tenants").join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn startup_refuses_any_bad_file_and_names_it() {
        let dir = folder_with(&[("acme.toml", ACME), ("broken.toml", "name = 3\n")]);
        let errors = TenantRegistry::load(dir.path(), EnvOverrides::None).err().unwrap();
        assert!(
            errors.iter().all(|e| e.file.ends_with("tenants/broken.toml")),
            "{errors:?}"
        );
    }

    #[test]
    fn tenants_come_sorted_by_slug_and_hidden_files_are_skipped() {
        let dir = folder_with(&[
            ("b.toml", ACME),
            ("a-b.toml", ACME),
            ("a.toml", ACME),
            (".#a.toml", "garbage"),
            ("notes.txt", "garbage"),
        ]);
        let registry = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
        let slugs: Vec<String> = registry.all().iter().map(|t| t.slug.clone()).collect();
        assert_eq!(slugs, ["a", "a-b", "b"]);
        assert!(registry.get("a").is_some() && registry.get("c").is_none());
    }

    #[test]
    fn reload_keeps_the_previous_configuration_of_a_broken_file() {
        let dir = folder_with(&[("acme.toml", ACME), ("gone.toml", ACME), ("same.toml", ACME)]);
        let tenants = dir.path().join("tenants");
        let registry = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
        let same_before = registry.get("same").unwrap();

        std::fs::write(tenants.join("acme.toml"), "name = \"Broken\"\nnope = 1\n").unwrap();
        std::fs::write(tenants.join("beta.toml"), ACME.replace("Acme", "Beta")).unwrap();
        std::fs::write(tenants.join("bad-new.toml"), "name = 3\n").unwrap();
        std::fs::remove_file(tenants.join("gone.toml")).unwrap();
        let report = registry.reload();

        assert_eq!(
            registry.get("acme").unwrap().name,
            "Acme",
            "previous configuration stays"
        );
        assert_eq!(registry.get("beta").unwrap().name, "Beta");
        assert!(registry.get("bad-new").is_none() && registry.get("gone").is_none());
        assert!(
            Arc::ptr_eq(&same_before, &registry.get("same").unwrap()),
            "unchanged: untouched"
        );
        assert_eq!(report.loaded, ["beta"]);
        assert_eq!(report.removed, ["gone"]);
        let rejected: Vec<String> = report.rejected.iter().map(|e| e.to_string()).collect();
        assert!(
            rejected.iter().any(|e| e.contains("acme.toml: nope: unknown key")),
            "{rejected:?}"
        );
        assert!(
            rejected.iter().any(|e| e.contains("bad-new.toml: name:")),
            "{rejected:?}"
        );

        std::fs::write(tenants.join("acme.toml"), ACME.replace("Acme", "Acme 2")).unwrap();
        let report = registry.reload();
        assert_eq!((report.loaded, report.rejected.len()), (vec!["acme".to_owned()], 1));
        assert_eq!(registry.get("acme").unwrap().name, "Acme 2");
    }

    #[test]
    fn reload_notices_a_new_templates_folder() {
        let dir = folder_with(&[("acme.toml", ACME)]);
        let registry = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
        assert!(registry.get("acme").unwrap().templates_dir.is_none());
        std::fs::create_dir_all(dir.path().join("tenants/acme/templates")).unwrap();
        assert_eq!(registry.reload().loaded, ["acme"]);
        assert!(registry.get("acme").unwrap().templates_dir.is_some());
        assert!(registry.reload().loaded.is_empty());
    }

    #[test]
    fn a_vanished_folder_keeps_every_tenant() {
        let dir = folder_with(&[("acme.toml", ACME)]);
        let registry = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
        std::fs::remove_dir_all(dir.path().join("tenants")).unwrap();
        let report = registry.reload();
        assert!(report.removed.is_empty() && report.rejected[0].key == "(folder)");
        assert!(registry.get("acme").is_some());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure returns figment::Error
    fn reload_follows_environment_overrides() {
        figment::Jail::expect_with(|jail| {
            jail.create_dir("tenants")?;
            jail.create_file("tenants/my-org.toml", ACME)?;
            let registry = TenantRegistry::load(jail.directory(), EnvOverrides::Process).unwrap();
            assert!(registry.reload().loaded.is_empty());
            jail.set_env("ROSTER_TENANTS__MY_ORG__NAME", "From the environment");
            assert_eq!(registry.reload().loaded, ["my-org"]);
            assert_eq!(registry.get("my-org").unwrap().name, "From the environment");
            Ok(())
        });
    }
}
