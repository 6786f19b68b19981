//! The loaded tenants, and reloading them while the server runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::tenant::{load_tenant, load_tenants, Tenant};
use super::{ConfigError, EnvOverrides};

/// What a reload did.
#[derive(Debug, Default)]
pub struct ReloadReport {
    /// Tenants added or re-read.
    pub loaded: Vec<String>,
    pub removed: Vec<String>,
    /// Files that failed: their tenant keeps its previous configuration.
    pub rejected: Vec<ConfigError>,
}

/// Every tenant, by slug; read once per request, replaced on reload.
pub struct TenantRegistry {
    dir: PathBuf,
    env: EnvOverrides,
    tenants: RwLock<HashMap<String, Arc<Tenant>>>,
}

impl TenantRegistry {
    /// Loads `<dir>/tenants/*.toml`; at startup any bad file is an error.
    pub fn load(dir: &Path, env: EnvOverrides) -> Result<TenantRegistry, Vec<ConfigError>> {
        let (tenants, errors) = load_tenants(dir, env);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TenantRegistry {
            dir: dir.to_owned(),
            env,
            tenants: RwLock::new(tenants.into_iter().map(|t| (t.slug.clone(), Arc::new(t))).collect()),
        })
    }

    /// A tenant by slug.
    pub fn get(&self, slug: &str) -> Option<Arc<Tenant>> {
        self.tenants.read().expect("tenant lock").get(slug).cloned()
    }

    /// Every tenant, sorted by slug.
    pub fn all(&self) -> Vec<Arc<Tenant>> {
        let mut all: Vec<Arc<Tenant>> = self.tenants.read().expect("tenant lock").values().cloned().collect();
        all.sort_by(|a, b| a.slug.cmp(&b.slug));
        all
    }

    /// Re-reads the folder: good files replace their tenant, bad ones keep the old one.
    pub fn reload(&self) -> ReloadReport {
        let mut report = ReloadReport::default();
        let folder = self.dir.join("tenants");
        let mut present = Vec::new();
        let mut fresh = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&folder) {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    present.push(stem.to_owned());
                }
                match load_tenant(&path, self.env) {
                    Ok(tenant) => fresh.push(tenant),
                    Err(mut errors) => report.rejected.append(&mut errors),
                }
            }
        }
        let mut tenants = self.tenants.write().expect("tenant lock");
        tenants.retain(|slug, _| {
            let keep = present.contains(slug);
            if !keep {
                report.removed.push(slug.clone());
            }
            keep
        });
        for tenant in fresh {
            report.loaded.push(tenant.slug.clone());
            tenants.insert(tenant.slug.clone(), Arc::new(tenant));
        }
        report
    }
}
