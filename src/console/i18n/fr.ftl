# Les phrases de la console en français. Chaque clé existe aussi dans en.ftl (un test le vérifie).
console = Console
playground = Bac à sable GraphQL
skip-to-content = Aller au contenu
sign-in-title = Connexion
sign-in-identifier = Identifiant ou adresse e-mail
sign-in-password = Mot de passe
sign-in-submit = Se connecter
sign-in-forgot = Mot de passe oublié ?
sign-in-failed = L'identifiant ou le mot de passe est incorrect.
sign-in-limited = Trop de tentatives : réessayez dans { $minutes } minute(s).
sign-in-deactivated = Ce compte est désactivé : adressez-vous aux administrateurs de l'organisation.
sign-out = Se déconnecter
signed-in-as = Connecté·e : { $name }
form-expired = Ce formulaire a expiré ou ne vient pas de ce site. Rien n'a été modifié : réessayez.
required = obligatoire
nav-home = Accueil
nav-members = Membres
nav-account = Mon compte
home-title = Accueil
home-welcome = Bienvenue, { $name }.
home-active = { $count ->
    [one] membre actif
   *[other] membres actifs
}
home-deactivated = { $count ->
    [one] membre désactivé
   *[other] membres désactivés
}
home-never-signed-in = { $count ->
    [one] membre jamais connecté
   *[other] membres jamais connectés
}
home-pending-invitations = { $count ->
    [one] invitation en attente
   *[other] invitations en attente
}
home-last-import = Dernier import
home-no-import = Aucun import pour l'instant.
home-member-only = Votre compte donne accès à votre propre profil seulement.
members-title = Membres
members-search = Rechercher
members-search-hint = Noms, identifiant ou e-mail ; « dupo » trouve Dupont.
members-from-import = Créés par cet import
members-from-import-see = voir l'import
search-too-long = Une recherche tient en { $max } caractères au plus : raccourcissez-la.
members-status = État
members-status-any = Tous
members-status-active = Actif
members-status-deactivated = Désactivé
members-never-signed-in = Jamais connectés
members-filter = Filtrer
members-count = { $count ->
    [0] Aucun membre
    [one] Un membre
   *[other] { $count } membres
}
members-none = Aucun membre ne correspond.
members-name = Nom
members-login = Identifiant
members-email = E-mail
members-last-sign-in = Dernière connexion
members-never = jamais
members-next = Page suivante
members-first = Première page
members-previous = Page précédente
members-sort = Ordre
members-sort-name = Par nom
members-sort-login = Par identifiant
members-sort-newest = Les plus récents d'abord
members-sort-last-sign-in = Dernière connexion d'abord
forbidden-title = Accès refusé
forbidden = Votre compte ne permet pas de voir cette page.
password-title = Changer votre mot de passe
password-required = Votre mot de passe a été choisi pour vous : choisissez le vôtre avant de continuer.
password-current = Mot de passe actuel
password-new = Nouveau mot de passe
password-hint = { $min } caractères au moins ; une phrase de plusieurs mots se retient mieux.
password-submit = Changer le mot de passe
password-changed = Votre mot de passe est changé.
error-title = Un problème est survenu
error-generic = Un problème est survenu de notre côté. Réessayez.
member-secondary-email = Deuxième e-mail
member-unconfirmed = pas encore confirmée
member-phone = Téléphone
member-first-name = Prénom
member-last-name = Nom
member-origin = Origine
member-roles = Rôles
member-groups = Groupes
member-created = Créé le
member-pending-invitation = Invitation en attente jusqu'au
member-deactivate = Désactiver
member-activate = Réactiver
member-send-reset = Envoyer un lien de réinitialisation du mot de passe
member-reset-sent = Un lien de réinitialisation part vers l'adresse du membre.
member-deactivated = Le membre est désactivé : ses sessions sont fermées.
member-activated = Le membre est de nouveau actif.
member-saved = Modifications enregistrées.
member-created-notice = Le membre est créé.
member-edit = Modifier
member-save = Enregistrer
member-history = Historique
member-history-when = Quand
member-history-what = Quoi
member-history-who = Par
member-new = Nouveau membre
member-create = Créer le membre
member-send-invitation = Envoyer l'invitation maintenant
member-login-optional = Identifiant (fait à partir du nom s'il reste vide)
not-found-title = Introuvable
not-found = Ce membre n'existe pas ici, ou il est hors de votre portée.
page-not-found = Cette page n'existe pas ici, ou elle est hors de votre portée.
page-bad-address = Cette adresse contient une valeur que la page ne comprend pas : elle vient sans doute d'un lien ancien ou recopié à la main.
nav-invitations = Invitations
invitations-title = Invitations
invitations-status = État
invitations-all = Toutes
invitations-pending = En attente
invitations-accepted = Acceptées
invitations-expired = Expirées
invitations-revoked = Révoquées
invitations-count = { $count ->
    [0] Aucune invitation
    [one] Une invitation
   *[other] { $count } invitations
}
invitations-none = Aucune invitation ici.
invitations-select = Choisir
invitations-expires = Valable jusqu'au
invitations-by = Invité par
invitations-resend = Renvoyer la sélection
invitations-revoke = Révoquer la sélection
invitations-resent = { $count ->
    [0] Aucune invitation renvoyée.
    [one] Une invitation renvoyée.
   *[other] { $count } invitations renvoyées.
}
invitations-revoked-notice = { $count ->
    [0] Aucune invitation révoquée.
    [one] Une invitation révoquée : son lien ne marche plus.
   *[other] { $count } invitations révoquées : leurs liens ne marchent plus.
}
invitations-none-selected = Choisissez d'abord au moins une invitation.
invitations-copy-link = Lien
invitations-link = Lien à transmettre
invitations-link-hint = Pour qui ne retrouve pas l'e-mail : donnez-lui ce lien. Les liens précédents de cette invitation ne marchent plus.
invite-title = Inviter des personnes
invite-addresses = Adresses e-mail
invite-addresses-hint = Collez-les telles quelles : séparées par des virgules, des points-virgules, des espaces ou des lignes.
invite-language = Langue de l'e-mail
invite-message = Message personnel (facultatif)
invite-submit = Envoyer les invitations
invite-invited = { $count ->
    [0] Personne n'est invité
    [one] Une personne invitée
   *[other] { $count } personnes invitées
}
invite-added = { $count ->
    [0] Aucun membre déjà là ajouté aux groupes
    [one] Un membre déjà là, ajouté aux groupes
   *[other] { $count } membres déjà là, ajoutés aux groupes
}
invite-skipped = { $count ->
    [0] Aucune adresse écartée
    [one] Une adresse écartée
   *[other] { $count } adresses écartées
}
invite-skip-already_member = déjà membre
invite-skip-deactivated_member = un membre désactivé : réactivez-le plutôt
invite-already-sent = Ces invitations sont déjà parties : recharger la page ne les renvoie pas. Elles sont dans la liste des invitations.
nav-audit = Journal
audit-title = Journal d'audit
audit-action = Action
audit-since = Du
audit-until = Au
audit-target = Concerne
audit-details = Détails
audit-count = { $count ->
    [0] Aucune entrée
    [one] Une entrée
   *[other] { $count } entrées
}
audit-none = Aucune entrée ne correspond.
activation-title = Les inviter à choisir leur mot de passe
activation-explain = { $count ->
    [one] Un membre de cette liste ne s'est jamais connecté : envoyez-lui un e-mail pour choisir son mot de passe.
   *[other] { $count } membres de cette liste ne se sont jamais connectés : envoyez à chacun un e-mail pour choisir son mot de passe.
}
activation-message = Message personnel (facultatif)
activation-submit = { $count ->
    [one] Envoyer l'invitation
   *[other] Envoyer les { $count } invitations
}
activation-sent = { $count ->
    [0] Aucune invitation n'est partie.
    [one] Une invitation à choisir un mot de passe est partie.
   *[other] { $count } invitations à choisir un mot de passe sont parties.
}
nav-groups = Groupes
groups-title = Groupes
groups-name = Nom
groups-description = Description
groups-kind = Type
groups-smart = automatique (par règle)
groups-manual = manuel
groups-members = Membres
groups-rename = Renommer
groups-delete = Supprimer
groups-none = Aucun groupe pour l'instant.
groups-new = Nouveau groupe
groups-rule = Règle (laissez vide pour un groupe manuel)
groups-rule-hint = Un groupe automatique contient qui répond à sa règle, maintenant et plus tard.
groups-create = Créer le groupe
groups-created = Le groupe est créé.
groups-renamed = Le groupe est renommé.
groups-deleted = Le groupe est supprimé ; pas ses membres.
account-title = Mon compte
account-profile = Profil
account-language = Langue
account-language-browser = Celle de mon navigateur
account-second-pending = Ne compte pas tant que vous n'avez pas ouvert le lien envoyé à cette adresse.
account-email = Adresse e-mail
account-email-now = Votre adresse actuelle :
account-new-email = Nouvelle adresse
account-email-submit = Changer mon adresse
account-email-sent = Un lien part vers la nouvelle adresse : votre adresse change quand vous l'ouvrez.
account-saved = Votre profil est enregistré.
account-sessions = Sessions
account-sign-out-everywhere = Se déconnecter partout
bulk-title = Avec la sélection
bulk-everyone = { $count ->
    [one] le membre qui répond à ce filtre, pas seulement ceux cochés
   *[other] les { $count } membres qui répondent à ce filtre, pas seulement ceux cochés
}
bulk-action = Action
bulk-add-to-group = Ajouter au groupe
bulk-remove-from-group = Retirer du groupe
bulk-export-csv = Exporter (CSV)
bulk-export-xlsx = Exporter (XLSX)
bulk-group = Groupe
bulk-go = Continuer
bulk-confirm = Confirmer
bulk-cancel = Annuler
bulk-question = { $count ->
    [0] { $action } : cela ne touche aucun membre.
    [one] { $action } : cela touche un membre. Continuer ?
   *[other] { $action } : cela touche { $count } membres. Continuer ?
}
bulk-nothing = Cochez d'abord des membres, ou choisissez tous ceux qui répondent au filtre.
bulk-no-group = Choisissez d'abord un groupe.
bulk-group-named = { $action } « { $group } »
bulk-done = { $count ->
    [0] C'est fait : aucun membre modifié.
    [one] C'est fait : un membre modifié.
   *[other] C'est fait : { $count } membres modifiés.
}
bulk-done-deactivate = { $count ->
    [0] C'est fait : aucun membre désactivé.
    [one] C'est fait : un membre désactivé.
   *[other] C'est fait : { $count } membres désactivés.
}
bulk-done-activate = { $count ->
    [0] C'est fait : aucun membre réactivé.
    [one] C'est fait : un membre réactivé.
   *[other] C'est fait : { $count } membres réactivés.
}
bulk-done-add-to-group = { $count ->
    [0] C'est fait : aucun membre ajouté au groupe.
    [one] C'est fait : un membre ajouté au groupe.
   *[other] C'est fait : { $count } membres ajoutés au groupe.
}
bulk-done-remove-from-group = { $count ->
    [0] C'est fait : aucun membre retiré du groupe.
    [one] C'est fait : un membre retiré du groupe.
   *[other] C'est fait : { $count } membres retirés du groupe.
}
roles-everywhere = Rôles sur toute l'organisation
roles-in-groups = Rôles dans un groupe (décochez pour retirer)
roles-add-scoped = Ajouter un rôle dans un groupe
roles-save = Enregistrer les rôles
member-roles-saved = Rôles enregistrés.
nav-imports = Imports
imports-title = Imports
imports-count = { $count ->
    [0] Aucun import pour l'instant.
    [one] Un import.
   *[other] { $count } imports.
}
import-title = Import
import-templates = Modèles
import-templates-hint = Partez d'un modèle : il a les colonnes de son type d'import, dans votre langue (dans le modèle Excel, les obligatoires sont en gras et les facultatives en italique).
import-template-xlsx = Excel (XLSX)
import-template-csv = CSV
import-new = Importer un fichier
import-file = Fichier
import-file-hint = CSV, Excel (XLSX ou XLS) ou OpenDocument (ODS). Rien ne change avant que vous ayez vu l'aperçu.
import-file-missing = Choisissez le fichier à importer.
import-file-too-large = Ce fichier dépasse la taille que le serveur accepte.
import-upload-broken = L'envoi a été interrompu : veuillez réessayer.
import-mode = Type d'import
import-mode-create = Ajouter de nouveaux membres
import-mode-create-hint = chaque ligne devient un membre
import-mode-invite = Inviter
import-mode-invite-hint = chaque ligne reçoit une invitation par e-mail ; les membres déjà inscrits rejoignent les groupes de la ligne
import-mode-sync = Aligner la liste sur le fichier
import-mode-sync-hint = ajoute les nouvelles lignes, met à jour les membres trouvés, et traite ceux absents du fichier comme choisi ci-dessous
import-absent = Membres absents du fichier (alignement seulement)
import-absent-deactivate = Les désactiver (sauf les comptes des admins et les rôles protégés)
import-absent-keep = Les laisser tels quels
import-default-group = Groupe pour les lignes qui n'en nomment aucun
import-send-invitations = Envoyer une invitation d'activation à chaque membre créé
import-file-options = Options du fichier
import-sheet = Feuille
import-sheet-hint = Classeurs : la feuille à lire, par le nom de son onglet. Vide : la première feuille visible.
import-encoding = Encodage du texte
import-encoding-hint = Fichiers CSV et texte : laissez la détection faire, sauf si les accents sortent mal dans l'aperçu.
import-encoding-detect = Détecter
import-encoding-utf-8 = UTF-8 (« CSV UTF-8 »)
import-encoding-windows-1252 = Windows (Excel sous Windows, windows-1252)
import-encoding-macintosh = Mac (Excel sur Mac, « CSV Macintosh »)
import-encoding-iso-8859-15 = Latin-9 (ISO-8859-15)
import-encoding-utf-16le = UTF-16 (« Texte Unicode »)
import-other-sheet = Pour lire une autre feuille, envoyez de nouveau le fichier avec le nom de cette feuille dans « Options du fichier ».
import-preview = Aperçu
import-history = Historique
import-status = État
import-rows = Lignes
import-started-at = Commencé
import-applied-at = Appliqué
import-by = Par
import-status-validating = Lecture du fichier
import-status-ready = En attente de votre décision
import-status-applying = En cours d'application
import-status-done = Appliqué
import-status-failed = Échoué
import-status-cancelled = Annulé
import-status-undone = Défait
import-working-validating = Lecture et vérification du fichier :
import-working-applying = Application des changements :
import-refresh = Actualiser
import-again = Importer à nouveau un fichier
import-unknown = Cet import n'existe pas.
import-started = Le fichier a été envoyé : son aperçu s'ouvre depuis l'historique ci-dessous une fois qu'il est lu.
import-applied = L'import est appliqué.
import-undone = L'import est défait.
import-cancelled = L'import est annulé : rien n'a changé.
import-header-row = en-tête en ligne { $row }
import-summary = Ce qu'il fait
import-kind-create = { $count ->
    [one] nouveau membre
   *[other] nouveaux membres
}
import-kind-update = { $count ->
    [one] membre mis à jour
   *[other] membres mis à jour
}
import-kind-deactivate = { $count ->
    [one] membre désactivé
   *[other] membres désactivés
}
import-kind-reactivate = { $count ->
    [one] membre réactivé
   *[other] membres réactivés
}
import-kind-invite = { $count ->
    [one] invitation
   *[other] invitations
}
import-kind-add-to-groups = { $count ->
    [one] membre ajouté à des groupes
   *[other] membres ajoutés à des groupes
}
import-kind-unchanged = { $count ->
    [one] ligne sans changement
   *[other] lignes sans changement
}
import-created-members = { $count ->
    [one] Voir le membre créé dans la liste, pour l'ajouter à un groupe ou l'inviter
   *[other] Voir les { $count } membres créés dans la liste, pour les ajouter à un groupe ou les inviter
}
import-created-members-undone = { $count ->
    [one] Voir le membre que l'import avait créé, désactivé par l'annulation
   *[other] Voir les { $count } membres que l'import avait créés, désactivés par l'annulation
}
import-kind-errors = { $count ->
    [one] ligne en erreur
   *[other] lignes en erreur
}
import-skip-invalid = { $count ->
    [one] Laisser de côté la ligne en erreur et importer les autres
   *[other] Laisser de côté les { $count } lignes en erreur et importer les autres
}
import-allow-mass = { $count ->
    [one] Oui, désactiver ce membre
   *[other] Oui, désactiver ces { $count } membres
}
import-allow-mass-hint = Un membre désactivé ne peut plus se connecter. Vérifiez que le fichier est complet avant de cocher : un fichier tronqué fermerait des comptes qui doivent rester ouverts.
import-confirm-deactivation = { $count ->
    [one] Cochez la case pour désactiver ce membre, ou choisissez de garder les absents dans un nouvel import.
   *[other] Cochez la case pour désactiver ces { $count } membres, ou choisissez de garder les absents dans un nouvel import.
}
import-nothing-to-apply = { $errors ->
    [0] La liste correspond déjà à ce fichier : il n'y a rien à appliquer. Annulez cet import pour le clore.
   *[other] Ce fichier ne change rien à la liste : il n'y a rien à appliquer. Corrigez les lignes en erreur et importez-le de nouveau, ou annulez cet import.
}
import-apply = Appliquer
import-cancel = Annuler cet import
import-undo = Défaire cet import
import-undo-until = Vous pouvez défaire cet import jusqu'au { $until }.
import-undo-box = { $created ->
    [0] Oui, le défaire : remettre chaque changement de cet import comme avant
    [one] Oui, le défaire : remettre chaque changement de cet import comme avant (le membre qu'il a créé est désactivé)
   *[other] Oui, le défaire : remettre chaque changement de cet import comme avant (les { $created } membres qu'il a créés sont désactivés)
}
import-confirm-undo = Cochez la case pour défaire cet import : il remet d'un coup chaque changement qu'il a fait.
import-left-alone = Modifiés depuis l'import, donc laissés tels quels
import-new-groups = Groupes qu'il crée
import-new-groups-done = Groupes qu'il a créés
import-new-groups-undone = Groupes qu'il avait créés (défaire l'import a supprimé ceux qui ne servaient à rien d'autre)
import-group-kept = gardé : il sert encore ailleurs
import-group-deleted = supprimé
import-errors = { $count ->
    [one] Un problème de ligne
   *[other] { $count } problèmes de ligne
}
import-error-report = Télécharger les lignes en erreur (CSV, avec une colonne d'erreur)
import-more-errors = Plus de problèmes
import-warnings = { $count ->
    [one] Un avertissement
   *[other] { $count } avertissements
}
import-row = Ligne
import-column = Colonne
import-value = Valeur
import-problem = Problème
import-changes = { $count ->
    [0] Aucune ligne à détailler
   *[other] Le détail, ligne par ligne ({ $count })
}
import-all-changes = Toutes les lignes
import-change = Changement
import-who = Membre
import-before-after = Avant → après
change-field-login = Identifiant
change-field-email = E-mail
change-field-secondaryEmail = Deuxième e-mail
change-field-phone = Téléphone
change-field-firstName = Prénom
change-field-lastName = Nom
change-field-locale = Langue
change-field-password = Mot de passe
change-field-roles = Rôles
change-field-groups = Groupes
change-field-status = État
change-status-ACTIVE = Actif
change-status-DEACTIVATED = Désactivé
import-columns = Colonnes lues
import-column-ignored = ignorée
import-column-field-login = Identifiant
import-column-field-email = E-mail
import-column-field-secondary_email = Deuxième e-mail
import-column-field-phone = Téléphone
import-column-field-first_name = Prénom
import-column-field-last_name = Nom
import-column-field-locale = Langue
import-column-field-groups = Groupes
import-column-field-roles = Rôles
import-column-field-admin = Admin
import-column-field-password = Mot de passe
import-column-field-status = État
import-sheets = Feuilles
import-sheet-read = lue
member-origin-bootstrap = premier admin de l'organisation
member-origin-import-undone = défait le { $when } : défaire un import désactive les membres qu'il a créés
member-origin-manual = saisie à la main
member-origin-import = un import
member-origin-invitation = une invitation
member-origin-registration = inscription en ligne
merge-title = Fusionner deux membres
merge-start = Fusionner avec un autre membre…
merge-intro = Trouvez l'autre fiche de { $name } : les deux n'en feront qu'une.
merge-find = L'autre membre
merge-compare = Côte à côte
merge-keep = Celui qui reste
merge-explained = Celui qui reste garde ses propres champs et complète ses champs vides avec ceux de l'autre ; il reprend les rôles, groupes, invitations, imports et l'historique de l'autre. L'autre est supprimé.
merge-confirm = Les fusionner
merge-back = Retour au membre
merge-done = Les deux membres sont fusionnés.
# Les pages derrière les liens envoyés par e-mail (invitation, mot de passe, adresse).
link-accept-title = Rejoindre l'organisation
link-accept-intro = Choisissez votre mot de passe pour accepter l'invitation.
link-accept-submit = Accepter l'invitation
link-first-name = Prénom
link-last-name = Nom
link-new-password = Mot de passe
home-joined = Bienvenue ! Votre compte est prêt. La prochaine fois, connectez-vous avec votre identifiant { $login } ou votre adresse e-mail.
link-link-invalid = Ce lien n'est pas valable : il est incomplet ou inconnu. Vérifiez que vous avez ouvert le lien entier de l'email.
link-invitation-expired = Cette invitation a expiré. Vous pouvez en demander une nouvelle.
link-ask-new = Demander une nouvelle invitation
link-new-requested = C'est transmis : vous recevrez une nouvelle invitation par email.
link-reset-title = Choisir un nouveau mot de passe
link-reset-submit = Enregistrer
link-password-changed = Votre mot de passe est changé. Vous pouvez vous connecter.
link-email-title = Confirmer votre nouvelle adresse
link-email-submit = Confirmer
link-email-changed = C'est fait. Votre adresse est maintenant
link-second-email-confirmed = C'est fait. Votre deuxième adresse confirmée :
link-revert-title = Annuler le changement d'adresse
link-revert-submit = Ce n'était pas moi : remettre mon adresse
link-reverted = Votre adresse est rétablie, toutes les sessions sont fermées et un lien pour choisir un nouveau mot de passe vous a été envoyé.
link-try-later = Le service est momentanément indisponible. Réessayez dans un instant.
link-sign-in = Se connecter
link-forgot-password = Mot de passe oublié ?
link-form-refused = Ce formulaire n'a pas pu être vérifié : il est ancien, ou votre navigateur a refusé son cookie. Rouvrez la page, puis envoyez à nouveau le formulaire.
link-already-accepted = Cette invitation a déjà été acceptée : vous avez un compte. Connectez-vous avec votre adresse email ou votre identifiant et votre mot de passe.
link-invitation-revoked = Cette invitation a été retirée : son lien ne fonctionne plus.
link-invitation-replaced = Un lien plus récent vous a été envoyé pour cette invitation : seul celui du dernier email fonctionne.
link-expired-ask-inviter = Le bouton ci-dessous demande une nouvelle invitation à { $inviter }, qui vous avait invité·e.
link-expired-ask-admins = Le bouton ci-dessous demande une nouvelle invitation aux administrateurs de l'organisation.
link-ask-inviter = Pour en savoir plus ou recevoir une nouvelle invitation, adressez-vous à { $inviter }, qui vous avait invité·e, ou aux administrateurs de l'organisation.
link-ask-admins = Pour en savoir plus ou recevoir une nouvelle invitation, adressez-vous à la personne qui vous a invité·e ou aux administrateurs de l'organisation.
link-link-replaced = Un lien plus récent a été envoyé depuis celui-ci : seul le dernier fonctionne.
link-reset-used = Ce lien a déjà servi à choisir un nouveau mot de passe.
link-reset-ended = Ce lien ne fonctionne plus : le compte a changé depuis son envoi (son mot de passe a par exemple été choisi avec un autre lien).
link-reset-expired = Ce lien a expiré : un lien pour choisir un mot de passe vaut une heure.
link-reset-ask-new = Demandez un nouveau lien ici : indiquez votre adresse email ou votre identifiant.
link-reset-request-title = Mot de passe oublié
link-reset-request-intro = Indiquez votre adresse email ou votre identifiant : nous vous enverrons un lien pour choisir un nouveau mot de passe.
link-identifier = Adresse email ou identifiant
link-send-reset-link = M'envoyer un lien
link-reset-requested = Si un compte actif correspond à ce que vous avez indiqué, un email avec un lien pour choisir un nouveau mot de passe est en route. Le lien vaut une heure.
link-email-used = Ce changement d'adresse a déjà été confirmé.
link-email-ended = Ce changement d'adresse a été annulé depuis l'ancienne adresse, ou le compte a changé depuis.
link-email-expired = Ce lien a expiré : un lien de confirmation vaut un jour. Connectez-vous et demandez à nouveau le changement.
link-revert-used = Votre ancienne adresse a déjà été rétablie, et un lien pour choisir un nouveau mot de passe y a été envoyé.
link-revert-ended = Ce lien ne fonctionne plus : le compte a changé depuis son envoi. Si vous n'avez pas demandé ce changement, prévenez les administrateurs de l'organisation.
link-revert-expired = Ce lien a expiré : il valait sept jours. Si vous n'avez pas demandé ce changement, prévenez les administrateurs de l'organisation.
link-download-title = Téléchargement
link-download-gone = Ce lien de téléchargement n'est pas valable, ou il a expiré : un lien vers un fichier vaut 10 minutes. Redemandez le fichier depuis la page où vous l'avez obtenu.
link-to-console = Aller à la console
members-role = Rôle
members-must-change = Doit changer son mot de passe
bulk-send-activation = Envoyer une invitation d'activation
members-count-more = Plus de 50 membres.
members-count-them = Les compter
bulk-everyone-uncounted = tous les membres qui répondent à ce filtre, pas seulement ceux cochés (la confirmation les compte)
audit-action-group-created = Groupe créé
audit-action-group-deleted = Groupe supprimé
audit-action-group-members-added = Membres ajoutés au groupe
audit-action-group-members-removed = Membres retirés du groupe
audit-action-group-updated = Groupe modifié
audit-action-import-applied = Import appliqué
audit-action-import-undone = Import défait
audit-action-invitation-accepted = Invitation acceptée
audit-action-invitation-expired = Invitation expirée
audit-action-invitation-link-issued = Lien d'invitation créé
audit-action-invitation-new-requested = Nouvelle invitation demandée
audit-action-invitation-refreshed = Invitation renouvelée
audit-action-invitation-reminded = Rappel d'invitation envoyé
audit-action-invitation-revoked = Invitation révoquée
audit-action-invitation-roles-dropped = Rôles retirés de l'invitation
audit-action-invitation-sent = Invitation envoyée
audit-action-invitation-settled = Invitation close (déjà membre)
audit-action-member-activated = Membre activé
audit-action-member-created = Membre créé
audit-action-member-deactivated = Membre désactivé
audit-action-member-email-change-requested = Changement d'e-mail demandé
audit-action-member-email-change-reverted = Changement d'e-mail annulé
audit-action-member-merged = Membres fusionnés
audit-action-member-password-changed = Mot de passe changé
audit-action-member-password-reset = Mot de passe réinitialisé
audit-action-member-password-reset-sent = Lien de réinitialisation envoyé
audit-action-member-registered = Inscription
audit-action-member-roles-changed = Rôles changés
audit-action-member-updated = Profil modifié
audit-action-members-erased = Membres effacés
audit-action-privacy-retention-run = Effacement des données anciennes
problem-about = { $value } : { $problem }
problem-required = Ce champ est obligatoire.
problem-too-long = Trop long : { $max } caractères au plus.
problem-markup = Ni caractères de contrôle ni < >.
problem-phone = Chiffres, espaces et + . - ( ) / seulement.
problem-locale = Choisissez parmi : { $list }.
problem-address-empty = L'adresse est vide.
problem-address-too-long = L'adresse est trop longue.
problem-address-mailto = Retirez le « mailto: » devant l'adresse.
problem-address-surrounded = Une adresse ne contient ni espace, ni nom, ni ponctuation autour.
problem-address-no-at = Il manque le @ de l'adresse.
problem-address-invalid = Ce n'est pas une adresse e-mail valide (exemple : prenom.nom@exemple.fr).
problem-login = Lettres minuscules sans accent, chiffres, « . », « - » et « _ » seulement, { $max } caractères au plus.
problem-password-short = Trop court : { $min } caractères au moins.
problem-password-blank = Pas seulement des espaces.
problem-current-password-wrong = Ce n'est pas votre mot de passe actuel.
problem-addresses-differ = Les deux adresses doivent être différentes.
problem-address-taken = Un autre membre utilise déjà cette adresse.
problem-login-taken = Cet identifiant est déjà pris.
problem-role-unknown = « { $role } » n'est pas un rôle ici (rôles : { $roles }).
problem-role-label-given = « { $role } » est le libellé du rôle « { $key } » : donnez sa clé.
problem-taken-meanwhile = { $count ->
    [one] Un identifiant ou une adresse a été pris entre-temps par un autre membre ({ $names })
   *[other] { $count } identifiants ou adresses ont été pris entre-temps par d'autres membres ({ $names })
} : rien n'a été changé. Recommencez l'import pour voir la liste telle qu'elle est maintenant.
problem-changed-since-preview = { $count ->
    [one] Un membre a changé depuis l'aperçu ({ $names })
   *[other] { $count } membres ont changé depuis l'aperçu ({ $names })
} : rien n'a été changé. Recommencez l'import pour voir la liste telle qu'elle est maintenant.
problem-group-name-taken = Un groupe porte déjà ce nom.
problem-group-name-separators = Ni « , » ni « ; » : ils séparent les groupes dans un tableur.
problem-no-address = Donnez au moins une adresse.
problem-rows-with-errors = { $count ->
    [one] Une ligne est en erreur : corrigez-la et importez le fichier à nouveau, ou cochez la case pour la laisser de côté.
   *[other] { $count } lignes sont en erreur : corrigez-les et importez le fichier à nouveau, ou cochez la case pour les laisser de côté.
}
problem-mass-deactivation = Cet import désactiverait { $count } des { $active } membres actifs, plus de { $limit } % : cochez la case si c'est voulu.
audit-yes = oui
audit-no = non
audit-detail-login = Identifiant
audit-detail-email = E-mail
audit-detail-name = Nom
audit-detail-reason = Raison
audit-detail-origin = Origine
audit-detail-status = État
audit-detail-roles = Rôles
audit-detail-kind = Type
audit-detail-count = Nombre
audit-detail-mode = Type d'import
audit-detail-file = Fichier
audit-detail-created = Membres créés
audit-detail-updated = Membres mis à jour
audit-detail-deactivated = Membres désactivés
audit-detail-reactivated = Membres réactivés
audit-detail-invited = Invitations
audit-detail-addedToGroups = Ajoutés aux groupes
audit-detail-errorRows = Lignes en erreur
audit-detail-skippedInvalidRows = Lignes en erreur laissées de côté
audit-detail-newGroups = Nouveaux groupes
audit-detail-groupsDeleted = Groupes supprimés
audit-detail-restored = Membres remis comme avant
audit-detail-invitationsRevoked = Invitations révoquées
audit-detail-leftAlone = Laissés tels quels
audit-detail-removedLogin = Identifiant retiré
audit-detail-removedEmail = E-mail retiré
audit-detail-removedId = Membre retiré
audit-detail-description = Description
audit-detail-rule = Règle
audit-detail-member = Membre
audit-detail-locale = Langue
audit-detail-firstName = Prénom
audit-detail-lastName = Nom
audit-detail-message = Message
audit-detail-smart = Groupe automatique
audit-detail-bulk = En masse
audit-detail-groupIds = Groupes
language-fr = Français
language-en = English
language-nl = Nederlands
language-de = Deutsch
language-es = Español
language-it = Italiano
language-pt = Português
language-ca = Català
language-eu = Euskara
language-br = Brezhoneg
language-oc = Occitan
language-ar = العربية
invite-language-default = Celle de chaque personne, sinon celle de l'organisation
audit-action-all = Toutes
audit-narrowed = Seulement les entrées d'un membre ou d'un élément.
audit-narrowed-actor = Seulement les entrées faites par { $name }.
audit-narrowed-target = Seulement les entrées concernant { $name }.
audit-unnarrow = Voir toutes les entrées
audit-action-import-cancelled = Import annulé avant application
audit-detail-abandoned = Son traitement s'était arrêté
