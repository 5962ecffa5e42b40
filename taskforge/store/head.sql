-- A new SQLite database at the head revision (written by scripts/write_head_sql.py; do not edit).

CREATE TABLE project (
	id VARCHAR(64) NOT NULL, 
	title VARCHAR NOT NULL, 
	summary VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	next_key INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE app_user (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	token_id VARCHAR(16) NOT NULL, 
	token_hash VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_app_user_name UNIQUE (name)
);

CREATE INDEX ix_app_user_token_id ON app_user (token_id);

CREATE TABLE task (
	id INTEGER NOT NULL, 
	project_id VARCHAR NOT NULL, 
	"key" VARCHAR(16) NOT NULL, 
	parent_id INTEGER, 
	position INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	priority VARCHAR NOT NULL, 
	estimate_minutes INTEGER, 
	actual_minutes INTEGER, 
	acceptance_criteria JSON NOT NULL, 
	depends_on JSON NOT NULL, 
	tags JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_task_project_key UNIQUE (project_id, "key"), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE, 
	FOREIGN KEY(parent_id) REFERENCES task (id)
);

CREATE INDEX ix_task_project_parent_position ON task (project_id, parent_id, position);

CREATE TABLE patch_record (
	id INTEGER NOT NULL, 
	project_id VARCHAR NOT NULL, 
	seq INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	target_seq INTEGER, 
	mode VARCHAR NOT NULL, 
	focus VARCHAR, 
	message VARCHAR NOT NULL, 
	planner VARCHAR NOT NULL, 
	model VARCHAR, 
	usage JSON NOT NULL, 
	patch JSON NOT NULL, 
	inverse JSON NOT NULL, 
	rejected_ops JSON NOT NULL, 
	version_before INTEGER NOT NULL, 
	version_after INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	author VARCHAR, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_patch_record_project_seq UNIQUE (project_id, seq), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE
);

CREATE INDEX ix_patch_record_project_id ON patch_record (project_id);

CREATE TABLE message (
	id INTEGER NOT NULL, 
	project_id VARCHAR NOT NULL, 
	focus VARCHAR, 
	role VARCHAR NOT NULL, 
	content VARCHAR NOT NULL, 
	patch_seq INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE
);

CREATE INDEX ix_message_project_focus ON message (project_id, focus, id);

CREATE TABLE sync_remote (
	project_id VARCHAR NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	kind VARCHAR NOT NULL, 
	url VARCHAR NOT NULL, 
	target VARCHAR NOT NULL, 
	token_env VARCHAR NOT NULL, 
	pulled_until DATETIME, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (project_id, name), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE
);

CREATE TABLE sync_link (
	id INTEGER NOT NULL, 
	project_id VARCHAR NOT NULL, 
	remote VARCHAR(64) NOT NULL, 
	"key" VARCHAR(16) NOT NULL, 
	remote_id VARCHAR NOT NULL, 
	ref VARCHAR NOT NULL, 
	url VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	local JSON NOT NULL, 
	remote_values JSON NOT NULL, 
	synced_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_sync_link_key UNIQUE (project_id, remote, "key"), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE
);

CREATE INDEX ix_sync_link_remote_id ON sync_link (project_id, remote, remote_id);

CREATE TABLE proposal (
	id INTEGER NOT NULL, 
	project_id VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	author VARCHAR NOT NULL, 
	rationale VARCHAR NOT NULL, 
	message VARCHAR NOT NULL, 
	mode VARCHAR NOT NULL, 
	focus VARCHAR, 
	planner VARCHAR NOT NULL, 
	model VARCHAR, 
	usage JSON NOT NULL, 
	patch JSON NOT NULL, 
	base_version INTEGER NOT NULL, 
	note VARCHAR, 
	change_seq INTEGER, 
	kept_ops JSON, 
	decided_by VARCHAR, 
	created_at DATETIME NOT NULL, 
	decided_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE
);

CREATE INDEX ix_proposal_project_id ON proposal (project_id);

CREATE TABLE agent_grant (
	project_id VARCHAR NOT NULL, 
	permission VARCHAR NOT NULL, 
	granted_by VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (project_id, permission), 
	FOREIGN KEY(project_id) REFERENCES project (id) ON DELETE CASCADE
);

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

