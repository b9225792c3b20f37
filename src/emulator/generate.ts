/**
 * The deterministic tenant generator: `generateTenant(options)` builds a realistic OneLogin tenant
 * (users with an org chart, roles, apps, groups, privileges, API credentials) from a seed.
 *
 * - Deterministic: the same options give deep-equal output; nothing reads the clock or global state.
 *   Each part draws from its own named random stream, so e.g. the app list does not change when only
 *   the user count does.
 * - Realistic in OneLogin's own shapes (reference/onelogin-api.md §3-§6): 8-9 digit increasing user
 *   ids, every status code (0,1,2,3,4,5,7,8; there is no 6), `""` and null usernames, custom attributes
 *   with nulls, a manager tree, skewed role sizes, apps mostly SAML/OIDC with about a third provisioned.
 * - Fast and lean: no loop over users x roles; role members are sampled directly. 100k users,
 *   2,000 roles and 1,000 apps take about a second (most of it building the user objects).
 *
 * E-mail domains use the reserved `.example` top-level domain, so no generated address can reach
 * a real mailbox.
 */
import { WardenError } from '../errors/index.js'
import { Random, cumulative, hashString } from './random.js'
import type {
  CredentialScope,
  GenerateOptions,
  SeedApp,
  SeedCredential,
  SeedGroup,
  SeedPrivilege,
  SeedRole,
  SeedUser,
  TenantSeed,
  UserStatus,
} from './seed.js'

// ---------------------------------------------------------------------------------------------
// Public constants
// ---------------------------------------------------------------------------------------------

/** Upper bounds for `GenerateOptions`; larger values are refused. */
export const GENERATE_LIMITS = {
  users: 1_000_000,
  roles: 100_000,
  apps: 100_000,
  groups: 100_000,
  privileges: 10_000,
  seed: Number.MAX_SAFE_INTEGER,
} as const

/** The five API credential scopes, in the order credentials are generated. */
export const CREDENTIAL_SCOPES: readonly CredentialScope[] = [
  'authentication_only',
  'read_users',
  'manage_users',
  'read_all',
  'manage_all',
]

/** Every generated user carries exactly these custom attribute shortnames (values may be null). */
export const CUSTOM_ATTRIBUTE_SHORTNAMES = ['employee_number', 'cost_center', 'location', 'employee_type'] as const

/** OneLogin's user status codes. There is no 6. */
export const USER_STATUSES: readonly UserStatus[] = [0, 1, 2, 3, 4, 5, 7, 8]

/** The default privilege count when `privileges` is not given. */
export function defaultPrivilegeCount(roles: number): number {
  return Math.max(3, Math.floor(roles / 20))
}

// ---------------------------------------------------------------------------------------------
// Built-in data
// ---------------------------------------------------------------------------------------------

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Christopher', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra',
  'Steven', 'Ashley', 'Andrew', 'Emily', 'Joshua', 'Michelle', 'Kevin', 'Amanda', 'Brian', 'Melissa',
  'George', 'Stephanie', 'Timothy', 'Rebecca', 'Ryan', 'Laura', 'Jacob', 'Emma', 'Nicholas', 'Olivia',
  'Eric', 'Hannah', 'Jonathan', 'Rachel', 'Samuel', 'Megan', 'Benjamin', 'Sophia', 'Alexander', 'Grace',
  'Noah', 'Chloe', 'Liam', 'Ava', 'Ethan', 'Mia', 'Lucas', 'Isabella', 'Mateo', 'Zoë',
  'José', 'María', 'Carlos', 'Sofía', 'Diego', 'Lucía', 'Javier', 'Valentina', 'Andrés', 'Camila',
  'Wei', 'Mei', 'Jun', 'Yuki', 'Hiroshi', 'Aiko', 'Min-jun', 'Ji-woo', 'Arjun', 'Priya',
  'Rahul', 'Ananya', 'Vikram', 'Deepika', 'Aarav', 'Kavya', 'Mohammed', 'Fatima', 'Omar', 'Aisha',
  'Yusuf', 'Layla', 'Ahmed', 'Zainab', 'Kwame', 'Amara', 'Chinedu', 'Ngozi', 'Tendai', 'Nia',
  'Søren', 'Astrid', 'Lars', 'Ingrid', 'Matthias', 'Anja', 'Lukas', 'Lena', 'Pierre', 'Camille',
  'Giulia', 'Marco', 'Francesca', 'Luca', 'Aoife', 'Cian', 'Siobhan', 'Declan', 'Łukasz', 'Zofia',
  'Dmitri', 'Olga', 'Nikolai', 'Elena', 'Tomás', 'Inês', 'João', 'Beatriz', 'Kai', 'Leilani',
  'Ezra', 'Naomi', 'Isaac', 'Leah', 'Elijah', 'Ruth', 'Caleb', 'Abigail', 'Owen', 'Harper',
  'Jordan', 'Taylor', 'Morgan', 'Casey', 'Riley', 'Avery', 'Quinn', 'Rowan', 'Skyler', 'Jamie',
]

const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Chen', 'Wang', 'Li', 'Zhang', 'Liu', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou',
  'Kim', 'Park', 'Choi', 'Tanaka', 'Suzuki', 'Sato', 'Watanabe', 'Yamamoto', 'Nakamura', 'Kobayashi',
  'Patel', 'Shah', 'Singh', 'Kumar', 'Gupta', 'Sharma', 'Reddy', 'Iyer', 'Nair', 'Rao',
  'Khan', 'Ali', 'Hussain', 'Rahman', 'Haddad', 'Nasser', 'Okafor', 'Adeyemi', 'Mensah', 'Mwangi',
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Schulz', 'Dubois', 'Lefèvre',
  'Moreau', 'Laurent', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', "O'Brien", 'Murphy',
  'Kelly', 'Byrne', 'Walsh', "O'Connor", 'MacDonald', 'Fraser', 'Jansen', 'de Vries', 'van Dijk', 'Bakker',
  'Nielsen', 'Hansen', 'Andersen', 'Johansson', 'Lindqvist', 'Nowak', 'Kowalski', 'Wiśniewska', 'Novák', 'Horváth',
  'Ivanov', 'Petrova', 'Popescu', 'Silva', 'Santos', 'Oliveira', 'Pereira', 'Costa', 'Fernández', 'Núñez',
  'Cohen', 'Levi', 'Friedman', 'Katz', 'Kahananui', 'Tuilagi', 'Cruz', 'Reyes', 'Morales', 'Ortiz',
  'Bennett', 'Brooks', 'Price', 'Hughes', 'Foster', 'Sullivan', 'Russell', 'Griffin', 'Hayes', 'Myers',
]

interface Department {
  name: string
  weight: number
  costCenter: string
  head: string
  manager: string
  titles: readonly string[]
}

const DEPARTMENTS: readonly Department[] = [
  { name: 'Engineering', weight: 22, costCenter: '1100', head: 'VP of Engineering', manager: 'Engineering Manager', titles: ['Software Engineer', 'Software Engineer', 'Senior Software Engineer', 'Senior Software Engineer', 'Staff Software Engineer', 'Principal Engineer', 'Frontend Engineer', 'Backend Engineer', 'QA Engineer', 'Mobile Engineer'] },
  { name: 'Infrastructure', weight: 5, costCenter: '1150', head: 'VP of Infrastructure', manager: 'Infrastructure Manager', titles: ['Site Reliability Engineer', 'DevOps Engineer', 'Cloud Engineer', 'Platform Engineer', 'Database Administrator'] },
  { name: 'Product', weight: 5, costCenter: '1200', head: 'VP of Product', manager: 'Group Product Manager', titles: ['Product Manager', 'Senior Product Manager', 'Technical Product Manager', 'Product Analyst'] },
  { name: 'Design', weight: 3, costCenter: '1250', head: 'Head of Design', manager: 'Design Manager', titles: ['Product Designer', 'Senior Product Designer', 'UX Researcher', 'Content Designer'] },
  { name: 'Data', weight: 4, costCenter: '1300', head: 'Head of Data', manager: 'Data Engineering Manager', titles: ['Data Engineer', 'Data Scientist', 'Analytics Engineer', 'Data Analyst'] },
  { name: 'Sales', weight: 14, costCenter: '2100', head: 'VP of Sales', manager: 'Sales Manager', titles: ['Account Executive', 'Account Executive', 'Senior Account Executive', 'Sales Development Representative', 'Sales Engineer', 'Enterprise Account Executive'] },
  { name: 'Customer Success', weight: 7, costCenter: '2200', head: 'VP of Customer Success', manager: 'Customer Success Lead', titles: ['Customer Success Manager', 'Implementation Consultant', 'Technical Account Manager', 'Onboarding Specialist'] },
  { name: 'Support', weight: 8, costCenter: '2300', head: 'Head of Support', manager: 'Support Manager', titles: ['Support Engineer', 'Support Specialist', 'Senior Support Engineer', 'Support Operations Analyst'] },
  { name: 'Marketing', weight: 6, costCenter: '3100', head: 'VP of Marketing', manager: 'Marketing Manager', titles: ['Product Marketing Manager', 'Content Marketing Manager', 'Demand Generation Manager', 'Marketing Operations Specialist', 'Graphic Designer', 'Events Coordinator'] },
  { name: 'Finance', weight: 4, costCenter: '4100', head: 'Chief Financial Officer', manager: 'Finance Manager', titles: ['Accountant', 'Senior Accountant', 'Financial Analyst', 'Payroll Specialist', 'Accounts Payable Specialist'] },
  { name: 'Legal', weight: 2, costCenter: '4200', head: 'General Counsel', manager: 'Legal Operations Manager', titles: ['Corporate Counsel', 'Paralegal', 'Contracts Manager', 'Privacy Counsel'] },
  { name: 'People', weight: 4, costCenter: '4300', head: 'Chief People Officer', manager: 'People Partner Lead', titles: ['HR Business Partner', 'Recruiter', 'Technical Recruiter', 'People Operations Specialist', 'Learning & Development Specialist'] },
  { name: 'IT', weight: 4, costCenter: '5100', head: 'Director of IT', manager: 'IT Manager', titles: ['IT Support Specialist', 'Systems Administrator', 'IT Engineer', 'Identity & Access Engineer', 'Help Desk Technician'] },
  { name: 'Security', weight: 2, costCenter: '5200', head: 'Chief Information Security Officer', manager: 'Security Manager', titles: ['Security Engineer', 'Security Analyst', 'GRC Analyst', 'Application Security Engineer'] },
  { name: 'Operations', weight: 6, costCenter: '6100', head: 'Chief Operating Officer', manager: 'Operations Manager', titles: ['Operations Analyst', 'Business Operations Manager', 'Procurement Specialist', 'Facilities Coordinator', 'Office Manager'] },
]
const DEPT_CUMULATIVE = cumulative(DEPARTMENTS.map((d) => d.weight))
const DEPT_IT = DEPARTMENTS.findIndex((d) => d.name === 'IT')
const DEPT_SECURITY = DEPARTMENTS.findIndex((d) => d.name === 'Security')

const REGIONS = ['AMER', 'EMEA', 'APAC', 'LATAM', 'North America', 'UK & Ireland', 'DACH', 'ANZ', 'Nordics', 'Benelux', 'France', 'Japan', 'India']

const LOCATIONS = [
  'San Francisco', 'New York', 'Austin', 'Chicago', 'Seattle', 'Denver', 'Boston', 'Atlanta', 'Toronto', 'London',
  'Dublin', 'Berlin', 'Amsterdam', 'Paris', 'Madrid', 'Stockholm', 'Warsaw', 'Bangalore', 'Singapore', 'Sydney',
  'Tokyo', 'São Paulo', 'Mexico City', 'Remote',
]

const COMPANIES = [
  'Northwind Traders', 'Brightline Robotics', 'Bluefin Analytics', 'Cobalt Ridge Software', 'Harborview Health',
  'Lumen & Oak', 'Meridian Freight', 'Pinecrest Labs', 'Quillstone Financial', 'Redwood Logistics',
  'Silverlake Media', 'Tidewater Energy', 'Vantage Biotech', 'Willow Creek Retail', 'Zephyr Aerospace',
  'Granite Peak Insurance', 'Copperleaf Systems', 'Evergreen Learning', 'Ironbridge Security', 'Sunfield Foods',
]

const STAFFING_FIRMS = ['Apex Staffing', 'Bridgeway Consulting', 'Keystone Contractors', 'Summit Talent Partners', 'Blue Harbor Consulting', 'Crestline Solutions']

/** Apps: name, short name (for role names), usual auth method (2 SAML, 7 WSFED, 8 OIDC), connector id when known. */
type Catalogue = readonly (readonly [name: string, short: string, method: 2 | 7 | 8, connector?: number])[]

/** Apps nearly every company has, in this order (they go on the all-employees role). */
const CORE_APPS: Catalogue = [
  ['Slack', 'Slack', 2],
  ['Google Workspace', 'Google Workspace', 2],
  ['Zoom', 'Zoom', 2],
  ['Microsoft Office 365', 'Office 365', 7],
  ['Atlassian Cloud', 'Atlassian', 2],
  ['GitHub', 'GitHub', 2],
  ['Amazon Web Services (AWS) Multi Account', 'AWS', 2, 78887],
  ['Salesforce', 'Salesforce', 2],
  ['Workday', 'Workday', 2],
  ['Box', 'Box', 2],
]

const MORE_APPS: Catalogue = [
  ['Dropbox Business', 'Dropbox', 2], ['DocuSign', 'DocuSign', 2], ['Zendesk', 'Zendesk', 2], ['ServiceNow', 'ServiceNow', 2],
  ['HubSpot', 'HubSpot', 2], ['Marketo', 'Marketo', 2], ['Asana', 'Asana', 2], ['Trello', 'Trello', 2], ['Notion', 'Notion', 2],
  ['Figma', 'Figma', 2], ['Miro', 'Miro', 2], ['Airtable', 'Airtable', 2], ['Datadog', 'Datadog', 2], ['PagerDuty', 'PagerDuty', 2],
  ['New Relic', 'New Relic', 2], ['Splunk Cloud', 'Splunk', 2], ['Sentry', 'Sentry', 8], ['Snowflake', 'Snowflake', 2],
  ['Tableau Cloud', 'Tableau', 2], ['Looker', 'Looker', 2], ['Databricks', 'Databricks', 2], ['Gong', 'Gong', 2],
  ['Outreach', 'Outreach', 2], ['LinkedIn Sales Navigator', 'Sales Navigator', 2], ['Greenhouse', 'Greenhouse', 2],
  ['Lever', 'Lever', 2], ['BambooHR', 'BambooHR', 2], ['Expensify', 'Expensify', 2], ['Coupa', 'Coupa', 2],
  ['Oracle NetSuite', 'NetSuite', 2], ['SAP Concur', 'Concur', 2], ['Carta', 'Carta', 2], ['Gusto', 'Gusto', 2],
  ['1Password', '1Password', 8], ['CrowdStrike Falcon', 'CrowdStrike', 2], ['Cloudflare', 'Cloudflare', 2], ['Fastly', 'Fastly', 2],
  ['Heroku', 'Heroku', 2], ['Vercel', 'Vercel', 8], ['Netlify', 'Netlify', 8], ['DigitalOcean', 'DigitalOcean', 8],
  ['Google Cloud Platform', 'GCP', 2], ['Microsoft Azure', 'Azure', 2], ['Terraform Cloud', 'Terraform Cloud', 2],
  ['CircleCI', 'CircleCI', 8], ['Jenkins', 'Jenkins', 8], ['Buildkite', 'Buildkite', 2], ['Sumo Logic', 'Sumo Logic', 2],
  ['Grafana Cloud', 'Grafana', 8], ['Elastic Cloud', 'Elastic', 2], ['MongoDB Atlas', 'MongoDB Atlas', 2], ['Twilio', 'Twilio', 2],
  ['SendGrid', 'SendGrid', 2], ['Mailchimp', 'Mailchimp', 8], ['Intercom', 'Intercom', 2], ['Freshdesk', 'Freshdesk', 2],
  ['Front', 'Front', 2], ['Calendly', 'Calendly', 8], ['Loom', 'Loom', 8], ['Lucidchart', 'Lucidchart', 2],
  ['Smartsheet', 'Smartsheet', 2], ['monday.com', 'monday.com', 2], ['ClickUp', 'ClickUp', 8], ['Linear', 'Linear', 8],
  ['Postman', 'Postman', 8], ['JetBrains Hub', 'JetBrains', 8], ['Adobe Creative Cloud', 'Adobe CC', 2], ['Canva', 'Canva', 8],
  ['Egnyte', 'Egnyte', 2], ['SharePoint Online', 'SharePoint', 7], ['Zscaler Internet Access', 'Zscaler', 2],
  ['Prisma Cloud', 'Prisma Cloud', 2], ['KnowBe4', 'KnowBe4', 2], ['Vanta', 'Vanta', 8], ['Drata', 'Drata', 8],
  ['Ironclad', 'Ironclad', 2], ['Brex', 'Brex', 2], ['Ramp', 'Ramp', 8], ['BILL', 'BILL', 2], ['Anaplan', 'Anaplan', 2],
  ['Workday Adaptive Planning', 'Adaptive Planning', 2], ['Qualtrics', 'Qualtrics', 2], ['SurveyMonkey', 'SurveyMonkey', 2],
  ['Lattice', 'Lattice', 2], ['Culture Amp', 'Culture Amp', 2], ['15Five', '15Five', 2], ['Udemy Business', 'Udemy', 2],
  ['LinkedIn Learning', 'LinkedIn Learning', 2], ['Coursera', 'Coursera', 2], ['RingCentral', 'RingCentral', 2],
  ['Dialpad', 'Dialpad', 2], ['Aircall', 'Aircall', 8], ['Gainsight', 'Gainsight', 2], ['Pendo', 'Pendo', 2],
  ['Amplitude', 'Amplitude', 2], ['Mixpanel', 'Mixpanel', 2], ['Segment', 'Segment', 2], ['Braze', 'Braze', 2],
  ['Optimizely', 'Optimizely', 2], ['Contentful', 'Contentful', 2], ['WordPress VIP', 'WordPress', 8], ['Shopify Plus', 'Shopify', 2],
  ['Stripe', 'Stripe', 2], ['Chargebee', 'Chargebee', 2], ['Zuora', 'Zuora', 2], ['Avalara', 'Avalara', 2], ['Webex', 'Webex', 2],
  ['Jamf Pro', 'Jamf', 2], ['Kandji', 'Kandji', 8], ['Cisco Meraki', 'Meraki', 2], ['Fivetran', 'Fivetran', 8], ['dbt Cloud', 'dbt', 8],
  ['Retool', 'Retool', 8], ['Zapier', 'Zapier', 8], ['Productboard', 'Productboard', 8], ['Harness', 'Harness', 8],
  ['LaunchDarkly', 'LaunchDarkly', 2], ['Snyk', 'Snyk', 2], ['Wiz', 'Wiz', 2],
  // In-house apps on OneLogin's custom connectors (OIDC 108419, SAML Custom Connector (Advanced) 110016).
  ['Employee Portal', 'Employee Portal', 8, 108419], ['Customer Admin Console', 'Admin Console', 8, 108419],
  ['Deploy Dashboard', 'Deploy Dashboard', 8, 108419], ['Billing Backoffice', 'Billing Backoffice', 2, 110016],
  ['Internal Wiki', 'Wiki', 2, 110016], ['Support Tools', 'Support Tools', 8, 108419],
]

/** auth_method when an app does not use its catalogue default: 0 Password, 1 OpenId, 3 API, 4 Google, 6 Forms, 7 WSFED. */
const OTHER_AUTH_METHODS = [0, 0, 0, 6, 6, 6, 1, 3, 4, 7] as const

const APP_DESCRIPTIONS = ['Production instance', 'Sandbox for testing', 'Company-wide access', 'Managed by IT', 'SSO via OneLogin', 'Requires manager approval', 'Licensed seats only']

const ROLE_APP_SUFFIXES = ['Users', 'Admins', 'Read Only', 'Power Users', 'Approvers', 'Editors', 'Viewers', 'Owners', 'Billing Admins', 'Contributors']
const DEPARTMENT_ROLE_SUFFIXES = ['Leadership', 'Managers', 'Contractors', 'Interns']
const CLOUDS = ['AWS', 'GCP', 'Azure']
const CLOUD_ENVIRONMENTS = ['Production', 'Staging', 'Development', 'Sandbox', 'Security', 'Logging', 'Billing', 'Shared Services', 'Data']
const CLOUD_LEVELS = ['Admins', 'Read Only', 'Developers', 'Operators', 'Break Glass', 'Billing Viewers', 'Security Auditors']
const TEAMS = [
  'Payments', 'Identity', 'Growth', 'Search', 'Mobile', 'Platform', 'Billing', 'Checkout', 'Data Platform', 'ML Platform',
  'Developer Experience', 'Core API', 'Integrations', 'Notifications', 'Onboarding', 'Reliability', 'Storage', 'Networking',
  'Observability', 'Localization', 'Partnerships', 'Enterprise', 'SMB', 'Channel', 'Revenue Operations', 'Field Marketing',
  'Brand', 'Web', 'Community', 'Compliance', 'Procurement', 'Workplace', 'Talent Acquisition', 'Total Rewards', 'FP&A',
  'Tax', 'Treasury', 'Internal Audit', 'Incident Response', 'Red Team',
]
const PROJECTS = [
  'Apollo', 'Atlas', 'Aurora', 'Beacon', 'Borealis', 'Cascade', 'Comet', 'Condor', 'Ember', 'Falcon', 'Forge', 'Glacier',
  'Granite', 'Halcyon', 'Helix', 'Horizon', 'Juniper', 'Kestrel', 'Lighthouse', 'Mercury', 'Meridian', 'Nimbus', 'Orion',
  'Phoenix', 'Polaris', 'Quartz', 'Sapphire', 'Sequoia', 'Sierra', 'Summit', 'Tundra', 'Vanguard', 'Vega', 'Voyager', 'Zenith',
]
const MISC_ROLES = [
  'AWS Admins', 'Interns', 'Executives', 'Board Observers', 'New Hires', 'Offboarding', 'Legal Hold', 'VPN Users',
  'Break Glass Admins', 'Security Champions', 'On-Call Engineers', 'Incident Commanders', 'Production Access',
  'Database Admins', 'Help Desk', 'Privileged Access', 'Remote Workers', 'Temporary Staff', 'Service Accounts',
  'MFA Exempt', 'Finance Approvers', 'Budget Owners', 'Interviewers', 'Mentors', 'Beta Testers', 'Travel Approvers',
  'Vendor Managers', 'Code Owners', 'Release Managers', 'SOX In-Scope', 'PCI In-Scope', 'Wi-Fi Guests', 'Default',
]

const GROUP_NAMES = [
  'Employees', 'Engineering', 'Executives', 'Service Accounts', 'Field Sales', 'Customer Support', 'Interns',
  'Temporary Staff', 'Partners', 'IT Admins', 'High Security', 'MFA Required', 'Kiosk Devices', 'BYOD', 'Travelers',
  'Offshore Team', 'Legacy Directory', 'Password Policy - Strict', 'Password Policy - Standard', 'Shared Workstations',
]

interface PrivilegeTemplate {
  name: string
  description: string
  actions: readonly string[]
}

const PRIVILEGE_TEMPLATES: readonly PrivilegeTemplate[] = [
  { name: 'User Administrator', description: 'Can administer users', actions: ['users:List', 'users:Get', 'users:Create', 'users:Update', 'users:Delete', 'users:Unlock', 'users:ResetPassword', 'users:ForceLogout', 'users:Invite'] },
  { name: 'Help Desk', description: 'Unlock accounts, reset passwords and end sessions', actions: ['users:List', 'users:Get', 'users:Unlock', 'users:ResetPassword', 'users:ForceLogout', 'users:GenerateTempMfaToken'] },
  { name: 'Read Only Auditor', description: 'Read-only access for audits', actions: ['users:List', 'users:Get', 'roles:List', 'roles:Get', 'apps:List', 'apps:Get', 'events:List', 'events:Get', 'reports:List', 'reports:Run'] },
  { name: 'Role Administrator', description: 'Can manage roles and their members', actions: ['roles:List', 'roles:Get', 'roles:Create', 'roles:Update', 'roles:Delete', 'roles:ManageUsers', 'roles:ManageApps'] },
  { name: 'App Administrator', description: 'Can manage apps and who has them', actions: ['apps:List', 'apps:Get', 'apps:Create', 'apps:Update', 'apps:Delete', 'apps:ManageRoles', 'apps:ManageUsers'] },
  { name: 'Onboarding Coordinator', description: 'Creates and invites new hires', actions: ['users:List', 'users:Get', 'users:Create', 'users:Invite', 'users:ManageRoles'] },
  { name: 'Mapping Administrator', description: 'Can manage user mappings', actions: ['mappings:List', 'mappings:Get', 'mappings:Create', 'mappings:Update', 'mappings:Delete', 'mappings:ReapplyAll'] },
  { name: 'Directory Administrator', description: 'Can manage directory connectors', actions: ['directories:List', 'directories:Get', 'directories:Update', 'directories:SyncUsers', 'directories:RefreshSchema'] },
  { name: 'Policy Administrator', description: 'Can manage user and app policies', actions: ['policies:List', 'policies:user:Get', 'policies:user:Update', 'policies:app:Get', 'policies:app:Update'] },
  { name: 'Privilege Administrator', description: 'Can delegate administration', actions: ['privileges:List', 'privileges:Get', 'privileges:Create', 'privileges:Update', 'privileges:ListUsers', 'privileges:ListRoles', 'privileges:ManageUsers', 'privileges:ManageRoles'] },
  { name: 'Reports Viewer', description: 'Can run reports', actions: ['reports:List', 'reports:Get', 'reports:Run'] },
  { name: 'Trusted IdP Administrator', description: 'Can manage trusted identity providers', actions: ['trustedidp:List', 'trustedidp:Get', 'trustedidp:Create', 'trustedidp:Update', 'trustedidp:Delete'] },
]
const APP_MANAGER_ACTIONS = ['apps:Get', 'apps:ManageUsers', 'apps:ManageRoles']

const DAY = 86_400_000
const HOUR = 3_600_000
/** Generated data is anchored here (minus a seed-derived offset), never at the wall clock. */
const ANCHOR = Date.UTC(2026, 9, 1, 12, 0, 0)

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

function checkCount(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    const got = typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value) : typeof value
    throw new WardenError('BAD_INPUT', `Invalid tenant option "${name}": expected an integer from 0 to ${max}, got ${got}`)
  }
  return value
}

interface Counts {
  users: number
  roles: number
  apps: number
  groups: number
  privileges: number
  seed: number
}

function validate(opts: GenerateOptions): Counts {
  if (typeof opts !== 'object' || opts === null) throw new WardenError('BAD_INPUT', 'Invalid tenant options: expected an object')
  const roles = checkCount('roles', opts.roles, GENERATE_LIMITS.roles)
  return {
    users: checkCount('users', opts.users, GENERATE_LIMITS.users),
    roles,
    apps: checkCount('apps', opts.apps, GENERATE_LIMITS.apps),
    groups: checkCount('groups', opts.groups, GENERATE_LIMITS.groups),
    privileges: opts.privileges === undefined ? defaultPrivilegeCount(roles) : checkCount('privileges', opts.privileges, GENERATE_LIMITS.privileges),
    seed: checkCount('seed', opts.seed, GENERATE_LIMITS.seed),
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const scratchDate = new Date(0)
/** ISO-8601 UTC with milliseconds (`2021-04-28T21:10:57.207Z`); one reused Date is measurably faster. */
function iso(ms: number): string {
  scratchDate.setTime(ms)
  return scratchDate.toISOString()
}

/** ASCII, lowercase, letters and digits only: "Zoë" -> "zoe", "O'Brien" -> "obrien", "Łukasz" -> "lukasz". */
function slug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[Łł]/g, 'l')
    .replace(/[Øø]/g, 'o')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
}

const FIRST_SLUGS = FIRST_NAMES.map(slug)
const LAST_SLUGS = LAST_NAMES.map(slug)

/** Increasing OneLogin-looking ids: a random base, then random gaps (ids are global across accounts). */
function makeIds(rng: Random, count: number, base: number, maxGap: number): number[] {
  const ids = new Array<number>(count)
  let id = base
  for (let i = 0; i < count; i++) {
    id += rng.int(1, maxGap)
    ids[i] = id
  }
  return ids
}

/** Increasing timestamps spread over [start, end]. */
function spreadTimes(rng: Random, count: number, start: number, end: number): number[] {
  const out = new Array<number>(count)
  const step = count > 0 ? (end - start) / count : 0
  let t = start
  for (let i = 0; i < count; i++) {
    t = Math.min(end, t + Math.floor(step * (0.2 + 1.6 * rng.next())))
    out[i] = t
  }
  return out
}

/** A value in [lo, hi] (lo when the range is empty). */
function between(rng: Random, lo: number, hi: number): number {
  return hi <= lo ? lo : lo + Math.floor(rng.next() * (hi - lo + 1))
}

/**
 * `count` unique names: `first` in order, then `rest` shuffled, then numbered repeats of the
 * shuffled part ("Project Atlas 2"), made by `repeat`.
 */
function uniqueNames<T extends { name: string }>(
  rng: Random,
  count: number,
  first: T[],
  rest: T[],
  repeat: (base: T, name: string) => T = (base, name) => ({ ...base, name }),
): T[] {
  const seen = new Set<string>()
  const pool: T[] = []
  let firstCount = 0
  for (const c of first) {
    if (seen.has(c.name)) continue
    seen.add(c.name)
    pool.push(c)
    firstCount++
  }
  for (const c of rng.shuffle(rest.slice())) {
    if (seen.has(c.name)) continue
    seen.add(c.name)
    pool.push(c)
  }
  const out: T[] = pool.slice(0, count)
  const cycle = pool.length > firstCount ? pool.slice(firstCount) : pool
  for (let k = 0; out.length < count && cycle.length > 0; k++) {
    const base = cycle[k % cycle.length] as T
    const name = `${base.name} ${2 + Math.floor(k / cycle.length)}`
    if (seen.has(name)) continue
    seen.add(name)
    out.push(repeat(base, name))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

/** Status weights (percent): mostly active, a realistic tail of the others. */
const STATUS_WEIGHTS: readonly (readonly [UserStatus, number])[] = [
  [1, 85.5], [0, 2], [2, 5.5], [3, 1], [4, 1.5], [5, 1], [7, 3], [8, 0.5],
]
const STATUS_CUMULATIVE = cumulative(STATUS_WEIGHTS.map((w) => w[1]))

/** (status, state) pairs a tenant of any size beyond a handful of users always shows. */
const REQUIRED_STATUS_STATES: readonly (readonly [UserStatus, 0 | 1 | 2 | 3])[] = [
  [0, 0], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [7, 1], [8, 1], [2, 2], [2, 3], [1, 3],
]

function stateFor(rng: Random, status: UserStatus): 0 | 1 | 2 | 3 {
  if (status === 0) return rng.chance(0.4) ? 0 : 1
  if (status === 2) {
    const r = rng.next()
    return r < 0.04 ? 2 : r < 0.2 ? 3 : 1
  }
  if (status === 1) return rng.chance(0.004) ? 3 : 1
  return 1
}

interface UserPlan {
  users: SeedUser[]
  /** User indexes per department (index into DEPARTMENTS), ascending. */
  byDepartment: number[][]
  contractors: number[]
  managers: number[]
  /** For the group and privilege steps. */
  isContractor: Uint8Array
}

interface TenantContext {
  now: number
  start: number
  company: string
  domain: string
}

function generateUsers(seed: number, n: number, ctx: TenantContext): UserPlan {
  const rng = Random.stream(seed, 'users')
  const ids = makeIds(rng, n, rng.int(12_000_000, 250_000_000), 37)

  // Status and state first, so a few can be forced to make every combination appear.
  const status = new Uint8Array(n)
  const state = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const s: UserStatus = i === 0 ? 1 : (STATUS_WEIGHTS[rng.pickCumulative(STATUS_CUMULATIVE)] as readonly [UserStatus, number])[0]
    status[i] = s
    state[i] = i === 0 ? 1 : stateFor(rng, s)
  }
  if (n > REQUIRED_STATUS_STATES.length + 1) {
    const present = new Set<number>()
    for (let i = 0; i < n; i++) present.add(status[i]! * 4 + state[i]!)
    const forced = new Set<number>([0])
    for (const [s, st] of REQUIRED_STATUS_STATES) {
      if (present.has(s * 4 + st)) continue
      let j = rng.int(1, n - 1)
      while (forced.has(j)) j = rng.int(1, n - 1)
      forced.add(j)
      status[j] = s
      state[j] = st
      present.add(s * 4 + st)
    }
  }

  // Creation times: the first ~30% arrive in a directory import on day one, the rest over the years.
  const created = new Array<number>(n)
  const imported = Math.floor(n * 0.3)
  let t = ctx.start + rng.int(HOUR, 6 * HOUR)
  for (let i = 0; i < imported; i++) {
    t += rng.int(15, 450)
    created[i] = t
  }
  const lastCreate = ctx.now - 2 * DAY
  const rest = n - imported
  const gap = rest > 0 ? Math.max(0, lastCreate - t) / rest : 0
  for (let i = imported; i < n; i++) {
    t = Math.min(lastCreate, t + Math.floor(gap * (0.25 + 1.5 * rng.next())))
    created[i] = t
  }

  const directoryId = rng.int(40_000, 99_999)
  const byDepartment: number[][] = DEPARTMENTS.map(() => [])
  const deptManagers: number[][] = DEPARTMENTS.map(() => [])
  const deptLeaders: number[][] = DEPARTMENTS.map(() => [])
  const level = new Uint8Array(n)
  const contractors: number[] = []
  const managers: number[] = []
  const isContractor = new Uint8Array(n)
  const nameCounts = new Uint32Array(FIRST_NAMES.length * LAST_NAMES.length)
  const users = new Array<SeedUser>(n)
  const now = ctx.now

  for (let i = 0; i < n; i++) {
    const s = status[i] as UserStatus
    const fi = rng.int(0, FIRST_NAMES.length - 1)
    const li = rng.int(0, LAST_NAMES.length - 1)
    const firstname = FIRST_NAMES[fi] as string
    const lastname = LAST_NAMES[li] as string
    // first.last, then first.last2, first.last3... (no name slug ends in a digit, so these are unique).
    const nameKey = fi * LAST_NAMES.length + li
    const seen = nameCounts[nameKey]!
    nameCounts[nameKey] = seen + 1
    const local = seen === 0 ? `${FIRST_SLUGS[fi]}.${LAST_SLUGS[li]}` : `${FIRST_SLUGS[fi]}.${LAST_SLUGS[li]}${seen + 1}`

    // Organisation: CEO first, then department heads as their departments first appear.
    let department: string
    let title: string
    let managerIndex = -1
    let costCenter: string | null
    let employeeType: string
    let company: string | null = ctx.company
    let comment: string | null = rng.chance(0.5) ? null : ''
    const contractor = i > 0 && rng.chance(0.04)
    if (i === 0) {
      department = 'Executive'
      title = 'Chief Executive Officer'
      costCenter = '0100'
      employeeType = 'Full-Time'
      managers.push(0)
    } else {
      const d = rng.pickCumulative(DEPT_CUMULATIVE)
      const dept = DEPARTMENTS[d] as Department
      department = dept.name
      costCenter = rng.chance(0.07) ? null : `CC-${dept.costCenter}`
      byDepartment[d]!.push(i)
      const deptMgrs = deptManagers[d]!
      if (contractor) {
        isContractor[i] = 1
        contractors.push(i)
        title = rng.pick(dept.titles)
        employeeType = 'Contractor'
        company = rng.pick(STAFFING_FIRMS)
        comment = `Contractor via ${company}`
      } else if (deptMgrs.length === 0) {
        title = dept.head
        employeeType = 'Full-Time'
        managerIndex = 0
        level[i] = 1
        deptMgrs.push(i)
        deptLeaders[d]!.push(i)
        managers.push(i)
      } else {
        employeeType = rng.chance(0.015) ? 'Intern' : rng.chance(0.03) ? 'Part-Time' : 'Full-Time'
        // Managers are always earlier users, so the chart is a forest: no cycles. New managers report
        // to someone at most three levels below the CEO (head, director, manager), which keeps the
        // chart a realistic five or six levels deep; everyone else reports to any manager.
        let reportsTo: number
        if (employeeType === 'Full-Time' && rng.chance(0.12)) {
          const leaders = deptLeaders[d]!
          reportsTo = leaders[rng.int(0, leaders.length - 1)] as number
          const lvl = level[reportsTo]! + 1
          level[i] = lvl
          title = lvl === 2 ? `Director of ${department}` : dept.manager
          if (lvl < 4) leaders.push(i)
          deptMgrs.push(i)
          managers.push(i)
        } else {
          reportsTo = deptMgrs[rng.int(0, deptMgrs.length - 1)] as number
          title = employeeType === 'Intern' ? `${department} Intern` : rng.pick(dept.titles)
        }
        // About one in ten employees has no manager on record (imports, service accounts, gaps).
        if (!rng.chance(0.1)) managerIndex = reportsTo
      }
      if (!contractor && rng.chance(0.04)) company = rng.chance(0.5) ? null : ''
    }

    // Lifecycle timestamps, consistent with the status.
    const createdAt = created[i] as number
    const fromDirectory = i < imported && i > 0
    let activatedAt: number | null = null
    let lastLogin: number | null = null
    let passwordChanged: number | null = null
    let lockedUntil: number | null = null
    let invalidAttempts = 0
    let hasPassword = true
    let latest = createdAt
    if (s === 0) {
      hasPassword = false
    } else if (s === 7) {
      hasPassword = false
      activatedAt = createdAt + rng.int(2, 900)
    } else {
      activatedAt = Math.min(now, createdAt + (fromDirectory ? rng.int(1_000, 2 * HOUR) : rng.int(10 * 60_000, 6 * DAY)))
      const neverLoggedIn = s === 1 ? rng.chance(0.06) : s === 2 ? rng.chance(0.12) : rng.chance(0.03)
      if (!neverLoggedIn) {
        // Active people log in often; everyone else last logged in a while ago.
        const meanAgo = s === 1 ? 4 * DAY : s === 2 ? 120 * DAY : 20 * DAY
        const ago = Math.floor(-Math.log(1 - rng.next()) * meanAgo)
        lastLogin = Math.max(activatedAt, now - ago - rng.int(0, HOUR))
      }
      const pwTo = lastLogin ?? now
      passwordChanged = between(rng, activatedAt, pwTo)
      if (s === 4) passwordChanged = Math.min(passwordChanged, Math.max(activatedAt, now - 95 * DAY - rng.int(0, 200 * DAY)))
      if (s === 3) {
        const failedAt = Math.max(lastLogin ?? activatedAt, now - rng.int(0, 2 * DAY))
        invalidAttempts = rng.int(3, 10)
        lockedUntil = failedAt + rng.int(15, 60) * 60_000
        latest = Math.max(latest, failedAt)
      } else if (s === 1 && rng.chance(0.04)) {
        invalidAttempts = rng.int(1, 2)
      }
      latest = Math.max(latest, activatedAt, lastLogin ?? 0, passwordChanged)
    }
    let updatedAt = Math.min(now, latest + rng.int(0, 5_000))
    if (rng.chance(0.25)) updatedAt = between(rng, updatedAt, now)
    if (updatedAt < latest) updatedAt = latest

    const usernameRoll = rng.next()
    const username = usernameRoll < 0.03 ? '' : usernameRoll < 0.05 ? null : local
    const phoneRoll = rng.next()
    const phone = phoneRoll < 0.6 ? `+1${rng.int(201, 989)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}` : phoneRoll < 0.65 ? '' : null
    const location = rng.chance(0.1) ? null : rng.pick(LOCATIONS)

    users[i] = {
      id: ids[i] as number,
      username,
      email: `${local}@${ctx.domain}`,
      firstname,
      lastname,
      title,
      department,
      company,
      comment,
      phone,
      status: s,
      state: state[i] as 0 | 1 | 2 | 3,
      group_id: null,
      manager_user_id: managerIndex >= 0 ? (ids[managerIndex] as number) : null,
      directory_id: fromDirectory ? directoryId : null,
      external_id: fromDirectory ? rng.uuid() : null,
      samaccountname: fromDirectory ? `${(FIRST_SLUGS[fi] as string).charAt(0)}${LAST_SLUGS[li]}`.slice(0, 20) : null,
      custom_attributes: {
        employee_number: contractor ? null : String(100_000 + i),
        cost_center: costCenter,
        location,
        employee_type: rng.chance(0.03) ? null : employeeType,
      },
      created_at: iso(createdAt),
      updated_at: iso(updatedAt),
      activated_at: activatedAt === null ? null : iso(activatedAt),
      last_login: lastLogin === null ? null : iso(lastLogin),
      password_changed_at: passwordChanged === null ? null : iso(passwordChanged),
      locked_until: lockedUntil === null ? null : iso(lockedUntil),
      invalid_login_attempts: invalidAttempts,
      has_password: hasPassword,
    }
  }
  return { users, byDepartment, contractors, managers, isContractor }
}

// ---------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------

function generateGroups(seed: number, count: number, plan: UserPlan): SeedGroup[] {
  const rng = Random.stream(seed, 'groups')
  const first = ['Headquarters', 'Remote', 'Contractors', 'Default'].map((name) => ({ name }))
  const rest = [
    ...GROUP_NAMES,
    ...LOCATIONS.filter((l) => l !== 'Remote').map((l) => `${l} Office`),
    ...DEPARTMENTS.map((d) => `${d.name} Team`),
  ].map((name) => ({ name }))
  const names = uniqueNames(rng, count, first, rest)
  const ids = makeIds(rng, count, rng.int(100_000, 700_000), 90)
  const groups = names.map((g, i) => ({ id: ids[i] as number, name: g.name }))
  if (count === 0) return groups

  const contractorsGroup = count > 2 ? 2 : -1
  const { users, isContractor } = plan
  for (let i = 0; i < users.length; i++) {
    if (contractorsGroup >= 0 && isContractor[i] && rng.chance(0.95)) {
      users[i]!.group_id = ids[contractorsGroup] as number
      continue
    }
    if (rng.chance(0.12)) continue
    // Skewed: the first groups (Headquarters, Remote) hold most people.
    const g = Math.min(count - 1, Math.floor(count * Math.pow(rng.next(), 2.2)))
    users[i]!.group_id = ids[g] as number
  }
  return groups
}

// ---------------------------------------------------------------------------------------------
// Apps
// ---------------------------------------------------------------------------------------------

interface AppPlan {
  apps: SeedApp[]
  shorts: string[]
}

function generateApps(seed: number, count: number, ctx: TenantContext): AppPlan {
  const rng = Random.stream(seed, 'apps')
  type Entry = { name: string; short: string; method: 2 | 7 | 8; connector: number }
  const toEntry = ([name, short, method, connector]: Catalogue[number]): Entry => ({
    name,
    short,
    method,
    connector: connector ?? 20_000 + (hashString(name) % 150_000),
  })
  const entries = uniqueNames(rng, count, CORE_APPS.map(toEntry), MORE_APPS.map(toEntry))
  const ids = makeIds(rng, count, rng.int(300_000, 1_800_000), 120)
  const times = spreadTimes(rng, count, ctx.start + DAY, ctx.now - DAY)
  const apps: SeedApp[] = new Array<SeedApp>(count)
  for (let i = 0; i < count; i++) {
    const e = entries[i] as Entry
    const createdAt = times[i] as number
    const updatedAt = rng.chance(0.5) ? createdAt + rng.int(0, 900) : between(rng, createdAt, ctx.now)
    apps[i] = {
      id: ids[i] as number,
      name: e.name,
      connector_id: e.connector,
      auth_method: rng.chance(0.1) ? rng.pick(OTHER_AUTH_METHODS) : e.method,
      description: rng.chance(0.8) ? '' : rng.pick(APP_DESCRIPTIONS),
      visible: rng.chance(0.9),
      provisioning_enabled: rng.chance(1 / 3),
      created_at: iso(createdAt),
      updated_at: iso(updatedAt),
    }
  }
  return { apps, shorts: entries.map((e) => e.short) }
}

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

type RoleKind =
  | { kind: 'everyone' }
  | { kind: 'department'; dept: number }
  | { kind: 'team'; dept: number }
  | { kind: 'app'; app: number }
  | { kind: 'contractors' }
  | { kind: 'managers' }
  | { kind: 'generic' }
type RoleCandidate = { name: string } & RoleKind

function roleCandidates(appShorts: string[]): { first: RoleCandidate[]; rest: RoleCandidate[] } {
  const first: RoleCandidate[] = [
    { name: 'Employees', kind: 'everyone' },
    ...DEPARTMENTS.map((d, dept): RoleCandidate => ({ name: d.name, kind: 'department', dept })),
  ]
  const rest: RoleCandidate[] = [
    { name: 'Contractors', kind: 'contractors' },
    { name: 'People Managers', kind: 'managers' },
    { name: 'Hiring Managers', kind: 'managers' },
  ]
  DEPARTMENTS.forEach((d, dept) => {
    for (const region of REGIONS) rest.push({ name: `${d.name} - ${region}`, kind: 'team', dept })
    for (const suffix of DEPARTMENT_ROLE_SUFFIXES) rest.push({ name: `${d.name} ${suffix}`, kind: 'team', dept })
  })
  const seenShort = new Set<string>()
  appShorts.forEach((short, app) => {
    if (seenShort.has(short) || seenShort.size >= 300) return
    seenShort.add(short)
    for (const suffix of ROLE_APP_SUFFIXES) rest.push({ name: `${short} ${suffix}`, kind: 'app', app })
  })
  for (const cloud of CLOUDS) for (const env of CLOUD_ENVIRONMENTS) for (const level of CLOUD_LEVELS) rest.push({ name: `${cloud} ${env} ${level}`, kind: 'generic' })
  for (const team of TEAMS) {
    rest.push({ name: `Team - ${team}`, kind: 'generic' })
    rest.push({ name: `Team - ${team} Leads`, kind: 'generic' })
  }
  for (const project of PROJECTS) rest.push({ name: `Project ${project}`, kind: 'generic' })
  for (const location of LOCATIONS) if (location !== 'Remote') rest.push({ name: `${location} Office`, kind: 'generic' })
  for (const name of MISC_ROLES) rest.push({ name, kind: 'generic' })
  return { first, rest }
}

/** A numbered repeat ("Sales - EMEA 2") is a team-sized role, never a second everyone role. */
function repeatRole(base: RoleCandidate, name: string): RoleCandidate {
  if (base.kind === 'department' || base.kind === 'team') return { name, kind: 'team', dept: base.dept }
  if (base.kind === 'app') return { name, kind: 'app', app: base.app }
  return { name, kind: 'generic' }
}

/**
 * Draws distinct members without looping over all users for small samples. `marks` is a shared
 * all-zero scratch array over user indexes; it is all-zero again on return.
 */
function sampleMembers(rng: Random, pool: number[] | null, n: number, k: number, marks: Uint8Array): Int32Array {
  const size = pool === null ? n : pool.length
  k = Math.min(k, size)
  if (k <= 0) return new Int32Array(0)
  const at = (p: number): number => (pool === null ? p : (pool[p] as number))
  if (k === size) {
    const all = new Int32Array(size)
    for (let p = 0; p < size; p++) all[p] = at(p)
    return all
  }
  const out = new Int32Array(k)
  if (k <= size / 2) {
    for (let c = 0; c < k; ) {
      const u = at(Math.floor(rng.next() * size))
      if (marks[u]) continue
      marks[u] = 1
      out[c++] = u
    }
    for (let c = 0; c < k; c++) marks[out[c]!] = 0
    return out.sort()
  }
  // Dense sample: mark the ones left out, then walk the (ascending) pool.
  const skip = size - k
  const skipped = new Int32Array(skip)
  for (let c = 0; c < skip; ) {
    const u = at(Math.floor(rng.next() * size))
    if (marks[u]) continue
    marks[u] = 1
    skipped[c++] = u
  }
  let c = 0
  for (let p = 0; p < size; p++) {
    const u = at(p)
    if (!marks[u]) out[c++] = u
  }
  for (let s = 0; s < skip; s++) marks[skipped[s]!] = 0
  return out
}

function generateRoles(seed: number, count: number, plan: UserPlan, appPlan: AppPlan): SeedRole[] {
  const rng = Random.stream(seed, 'roles')
  const { users, byDepartment, contractors, managers } = plan
  const n = users.length
  const apps = appPlan.apps
  const { first, rest } = roleCandidates(appPlan.shorts)
  const plans = uniqueNames(rng, count, first, rest, repeatRole)
  const ids = makeIds(rng, count, rng.int(100_000, 600_000), 60)

  // Member counts: fixed shares for the everyone/department/pool roles, a heavy-tailed split of
  // the remaining budget (~2-4 memberships per user in all) over the rest.
  const poolOf = (p: RoleCandidate): number[] | null => {
    switch (p.kind) {
      case 'department':
      case 'team':
        return byDepartment[p.dept] as number[]
      case 'contractors':
        return contractors
      case 'managers':
        return managers
      default:
        return null
    }
  }
  const sizes = new Float64Array(count)
  const budget = n * (2.6 + 0.8 * rng.next())
  let fixed = 0
  const tail: number[] = []
  let tailWeight = 0
  const weights = new Float64Array(count)
  for (let r = 0; r < count; r++) {
    const p = plans[r] as RoleCandidate
    if (p.kind === 'everyone') sizes[r] = Math.round(n * (0.85 + 0.1 * rng.next()))
    else if (p.kind === 'department') sizes[r] = Math.round((poolOf(p) as number[]).length * (0.75 + 0.25 * rng.next()))
    else if (p.kind === 'contractors') sizes[r] = Math.round(contractors.length * (0.8 + 0.2 * rng.next()))
    else if (p.kind === 'managers') sizes[r] = Math.round(managers.length * (0.5 + 0.5 * rng.next()))
    else {
      // Pareto (alpha 1.16): many small roles, a few big ones.
      const w = Math.pow(1 - rng.next(), -1 / 1.16)
      weights[r] = w
      tailWeight += w
      tail.push(r)
      continue
    }
    fixed += sizes[r]!
  }
  // At least a couple of members per role on average, but never past ~4 memberships per user.
  const remaining = Math.max(budget - fixed, Math.min(tail.length * 2, n * 2))
  for (const r of tail) {
    // A regional or sub-team role holds at most a third of its department.
    const p = plans[r] as RoleCandidate
    // An app's user role may be large; an oddly specific generic role ("Project Atlas") is not.
    const cap = p.kind === 'team' ? Math.ceil((poolOf(p) as number[]).length / 3) : p.kind === 'app' ? Math.round(n * 0.5) : Math.round(n * 0.2)
    sizes[r] = Math.min(cap, Math.round((remaining * weights[r]!) / tailWeight))
  }

  const marks = new Uint8Array(n)
  const roles: SeedRole[] = new Array<SeedRole>(count)
  for (let r = 0; r < count; r++) {
    const p = plans[r] as RoleCandidate
    const members = sampleMembers(rng, poolOf(p), n, sizes[r]!, marks)
    const memberIds = new Array<number>(members.length)
    for (let m = 0; m < members.length; m++) memberIds[m] = users[members[m]!]!.id
    let admins: number[] = []
    if (n > 0 && rng.chance(0.3)) {
      const pool = managers.length > 0 && rng.chance(0.7) ? managers : null
      const picked = sampleMembers(rng, pool, n, rng.int(1, 3), marks)
      admins = Array.from(picked, (u) => users[u]!.id)
    }
    roles[r] = { id: ids[r] as number, name: p.name, users: memberIds, admins, apps: [] }
  }

  assignRoleApps(rng, roles, plans, apps)
  return roles
}

/** 1-5 apps on most roles, none on some; every app in some role except a few left unassigned. */
function assignRoleApps(rng: Random, roles: SeedRole[], plans: RoleCandidate[], apps: SeedApp[]): void {
  const a = apps.length
  if (a === 0 || roles.length === 0) return
  const orphan = new Uint8Array(a)
  const core = Math.min(4, a)
  if (a >= 10) {
    const orphans = Math.max(1, Math.round(a * 0.02))
    for (let c = 0; c < orphans; ) {
      const x = rng.int(core, a - 1)
      if (orphan[x]) continue
      orphan[x] = 1
      c++
    }
  }
  const covered = new Uint8Array(a)
  const sets: Set<number>[] = roles.map(() => new Set<number>())
  const withApps: number[] = []
  for (let r = 0; r < roles.length; r++) {
    const p = plans[r] as RoleCandidate
    const set = sets[r] as Set<number>
    if (p.kind === 'everyone') {
      for (let x = 0; x < core; x++) if (!orphan[x]) set.add(x)
    } else {
      if (p.kind === 'app' && !orphan[p.app]) set.add(p.app)
      if (set.size === 0 && rng.chance(0.15)) continue
      const want = set.size + [1, 1, 1, 2, 2, 2, 3, 3, 4, 5][rng.int(0, 9)]!
      for (let tries = 0; set.size < want && tries < 20; tries++) {
        // Skewed towards the first (most common) apps.
        const x = Math.min(a - 1, Math.floor(a * Math.pow(rng.next(), 1.6)))
        if (!orphan[x]) set.add(x)
      }
    }
    if (set.size > 0) withApps.push(r)
    for (const x of set) covered[x] = 1
  }
  for (let x = 0; x < a; x++) {
    if (covered[x] || orphan[x]) continue
    const r = withApps.length > 0 ? (withApps[rng.int(0, withApps.length - 1)] as number) : rng.int(0, roles.length - 1)
    sets[r]!.add(x)
  }
  for (let r = 0; r < roles.length; r++) {
    const idx = Array.from(sets[r] as Set<number>).sort((p, q) => p - q)
    roles[r]!.apps = idx.map((x) => apps[x]!.id)
  }
}

// ---------------------------------------------------------------------------------------------
// Privileges and credentials
// ---------------------------------------------------------------------------------------------

function generatePrivileges(seed: number, count: number, plan: UserPlan, apps: SeedApp[], roles: SeedRole[]): SeedPrivilege[] {
  const rng = Random.stream(seed, 'privileges')
  type Candidate = { name: string; description: string; actions: readonly string[]; scope: string[] }
  const first: Candidate[] = PRIVILEGE_TEMPLATES.map((t) => ({ ...t, scope: ['*'] }))
  const rest: Candidate[] = []
  const scopedApps = apps.slice(0, 400)
  for (const app of scopedApps) {
    const extra = rng.chance(0.3) && apps.length > 1 ? rng.pick(apps) : null
    const scope = extra && extra.id !== app.id ? [`apps/${app.id}`, `apps/${extra.id}`] : [`apps/${app.id}`]
    rest.push({ name: `${app.name} App Manager`, description: `Manages who has ${app.name}`, actions: APP_MANAGER_ACTIONS, scope })
  }
  // Templates in order for the first privileges; app-scoped ones after.
  const names = uniqueNames(rng, count, first, rest)
  const { users, byDepartment } = plan
  const adminPool = [...(byDepartment[DEPT_IT] ?? []), ...(byDepartment[DEPT_SECURITY] ?? [])].sort((p, q) => p - q)
  const marks = new Uint8Array(users.length)
  const out: SeedPrivilege[] = []
  for (let i = 0; i < count; i++) {
    const c = names[i] as Candidate
    const statements: SeedPrivilege['statements'] = [{ Effect: 'Allow', Action: [...c.actions], Scope: [...c.scope] }]
    if (c.scope[0] === '*' && rng.chance(0.15) && apps.length > 0) {
      statements.push({ Effect: 'Allow', Action: ['apps:Get', 'apps:ManageUsers'], Scope: [`apps/${rng.pick(apps).id}`] })
    }
    const userCount = i === 0 ? rng.int(1, 4) : rng.chance(0.2) ? 0 : rng.int(1, 4)
    const pool = adminPool.length > 0 && rng.chance(0.7) ? adminPool : null
    const picked = sampleMembers(rng, pool, users.length, userCount, marks)
    const roleCount = i === 1 ? rng.int(1, 2) : rng.chance(0.5) ? 0 : rng.int(1, 2)
    const roleIds = new Set<number>()
    for (let k = 0; k < roleCount && roles.length > 0; k++) roleIds.add(rng.pick(roles).id)
    out.push({
      id: rng.uuid(),
      name: c.name,
      description: c.description,
      statements,
      users: Array.from(picked, (u) => users[u]!.id),
      roles: [...roleIds].sort((p, q) => p - q),
    })
  }
  return out
}

function generateCredentials(seed: number): SeedCredential[] {
  const rng = Random.stream(seed, 'credentials')
  return CREDENTIAL_SCOPES.map((scope) => ({ client_id: rng.hex(64), client_secret: rng.hex(64), scope }))
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * A realistic, deterministic OneLogin tenant. Throws a `WardenError` (`BAD_INPUT`) with a one-line
 * message when an option is not an integer in range (see `GENERATE_LIMITS`).
 */
export function generateTenant(opts: GenerateOptions): TenantSeed {
  const c = validate(opts)
  const rng = Random.stream(c.seed, 'tenant')
  const companyName = rng.pick(COMPANIES)
  const now = ANCHOR - rng.int(0, 120) * DAY - rng.int(0, DAY - 1)
  const start = now - rng.int(3 * 365, 6 * 365) * DAY
  const ctx: TenantContext = {
    now,
    start,
    company: companyName,
    domain: `${slug(companyName)}.example`,
  }
  const subdomain = companyName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
  const accountId = rng.int(10_000, 299_999)

  const plan = generateUsers(c.seed, c.users, ctx)
  const groups = generateGroups(c.seed, c.groups, plan)
  const appPlan = generateApps(c.seed, c.apps, ctx)
  const roles = generateRoles(c.seed, c.roles, plan, appPlan)
  const privileges = generatePrivileges(c.seed, c.privileges, plan, appPlan.apps, roles)
  return {
    subdomain,
    account_id: accountId,
    users: plan.users,
    roles,
    apps: appPlan.apps,
    groups,
    privileges,
    credentials: generateCredentials(c.seed),
  }
}
